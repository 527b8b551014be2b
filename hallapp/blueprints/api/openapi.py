"""The OpenAPI 3 description of /api/v1, served at /api/v1/openapi.json.

Its enums are the models' own tuples, so the document lists what the database accepts.
"""

from hallapp.models import (
    AT_COUNTER_STATUSES,
    COUNTER_STATES,
    PRIORITY_CLASSES,
    ROOMS,
    TICKET_STATUSES,
)


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict:
    return {"$ref": f"#/components/responses/{description}"}


PUBLIC_ID = {
    "name": "public_id",
    "in": "path",
    "required": True,
    "description": "The ticket's unguessable public id.",
    "schema": {"type": "string"},
}


def _counter_step(operation_id: str, summary: str, body: dict | None = None) -> dict:
    operation = {
        "operationId": operation_id,
        "summary": summary,
        "tags": ["counter"],
        "parameters": [PUBLIC_ID],
        "responses": {
            "200": _json({"type": "object", "properties": {"ticket": _ref("Ticket")}}, "Done"),
            "400": _error("BadRequest"),
            "401": _error("Unauthorized"),
            "403": _error("Forbidden"),
            "404": _error("NotFound"),
            "409": _error("Conflict"),
        },
    }
    if body:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": body}},
        }
        operation["responses"]["422"] = _error("Unprocessable")
    return operation


def openapi_document() -> dict:
    error = {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": {"type": "string", "description": "Stable, for programs."},
                    "message": {"type": "string", "description": "For people, localized."},
                },
            }
        },
    }
    ticket = {
        "type": "object",
        "required": ["public_id", "label", "service", "status"],
        "properties": {
            "public_id": {"type": "string"},
            "label": {"type": "string", "example": "A012"},
            "service": {"type": "string", "example": "A"},
            "status": {
                "type": "string",
                "enum": list(TICKET_STATUSES),
            },
            "position": {
                "type": "integer",
                "nullable": True,
                "description": "Tickets ahead (0 = next); null unless waiting.",
            },
            "estimated_wait_minutes": {
                "type": "integer",
                "nullable": True,
                "description": "Null when there is nothing honest to say yet.",
            },
            "counter": {"type": "integer", "nullable": True},
            "issued_at": {"type": "string", "format": "date-time"},
            "called_at": {"type": "string", "format": "date-time", "nullable": True},
        },
    }
    service_code = {"type": "string", "minLength": 1, "maxLength": 1, "example": "A"}
    counter_state = {"type": "string", "enum": list(COUNTER_STATES)}

    def responses(**codes: str) -> dict:
        return {status: _error(name) for status, name in codes.items()}

    document = {
        "openapi": "3.0.3",
        "info": {
            "title": "Hall device API",
            "version": "1.0.0",
            "description": (
                "For caller pads at counters, display boards and kiosks. Authenticate with "
                "`Authorization: Bearer <token>`; tokens come from `flask --app wsgi "
                "device-token create --kind {kiosk,counter,display}`. A counter token acts only "
                "for its counter, a kiosk token issues tickets and reads, a display token reads."
            ),
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"deviceToken": []}],
        "paths": {
            "/services": {
                "get": {
                    "operationId": "listServices",
                    "summary": "Services with waiting counts and estimated waits",
                    "tags": ["read"],
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "properties": {
                                    "services": {"type": "array", "items": _ref("Service")}
                                },
                            },
                            "The hall's services",
                        ),
                        **responses(**{"401": "Unauthorized", "403": "Forbidden"}),
                    },
                }
            },
            "/tickets": {
                "post": {
                    "operationId": "issueTicket",
                    "summary": "Issue a ticket (kiosk tokens)",
                    "description": (
                        "Send an Idempotency-Key with each new ticket request and the same key "
                        "when retrying it: a retry returns the ticket already issued."
                    ),
                    "tags": ["kiosk"],
                    "parameters": [
                        {
                            "name": "Idempotency-Key",
                            "in": "header",
                            "required": False,
                            "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,100}$"},
                        }
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["service"],
                                    "properties": {
                                        "service": service_code,
                                        "priority_class": {
                                            "type": "string",
                                            "enum": list(PRIORITY_CLASSES),
                                            "default": "normal",
                                        },
                                    },
                                }
                            }
                        },
                    },
                    "responses": {
                        "201": _json(
                            {
                                "type": "object",
                                "required": ["ticket", "public_id", "tracking_url", "print_url"],
                                "properties": {
                                    "ticket": _ref("Ticket"),
                                    "public_id": {"type": "string"},
                                    "tracking_url": {"type": "string", "format": "uri"},
                                    "print_url": {"type": "string", "format": "uri"},
                                },
                            },
                            "The new ticket",
                        ),
                        **responses(
                            **{
                                "400": "BadRequest",
                                "401": "Unauthorized",
                                "403": "Forbidden",
                                "409": "Conflict",
                                "422": "Unprocessable",
                            }
                        ),
                    },
                }
            },
            "/tickets/{public_id}": {
                "get": {
                    "operationId": "getTicket",
                    "summary": "A ticket's status, position, estimated wait and counter",
                    "tags": ["read"],
                    "parameters": [PUBLIC_ID],
                    "responses": {
                        "200": _json(
                            {"type": "object", "properties": {"ticket": _ref("Ticket")}},
                            "The ticket (nothing personal)",
                        ),
                        **responses(
                            **{"401": "Unauthorized", "403": "Forbidden", "404": "NotFound"}
                        ),
                    },
                }
            },
            "/counter/call-next": {
                "post": {
                    "operationId": "callNext",
                    "summary": "Call the next ticket to the token's counter",
                    "tags": ["counter"],
                    "responses": {
                        "200": _json(
                            {"type": "object", "properties": {"ticket": _ref("Ticket")}},
                            "The ticket now called",
                        ),
                        "204": {"description": "Nobody is waiting"},
                        **responses(
                            **{"401": "Unauthorized", "403": "Forbidden", "409": "Conflict"}
                        ),
                    },
                }
            },
            "/tickets/{public_id}/recall": {
                "post": _counter_step("recallTicket", "Announce the called ticket again")
            },
            "/tickets/{public_id}/start": {
                "post": _counter_step("startTicket", "The visitor is at the counter")
            },
            "/tickets/{public_id}/finish": {
                "post": _counter_step("finishTicket", "Service is done")
            },
            "/tickets/{public_id}/no-show": {
                "post": _counter_step("noShowTicket", "The called visitor did not come")
            },
            "/tickets/{public_id}/walkout": {
                "post": _counter_step(
                    "walkoutTicket", "A waiting or parked visitor left before being called"
                )
            },
            "/tickets/{public_id}/cancel": {
                "post": _counter_step(
                    "cancelTicket",
                    "Withdraw a waiting or parked ticket, or the one called to this counter",
                )
            },
            "/counter": {
                "get": {
                    "operationId": "getCounter",
                    "summary": "The token's counter: its state and the ticket it holds",
                    "description": (
                        "A pad that lost the answer to callNext finds its ticket here."
                    ),
                    "tags": ["counter"],
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "required": ["counter", "ticket"],
                                "properties": {
                                    "counter": _ref("Counter"),
                                    "ticket": {**_ref("Ticket"), "nullable": True},
                                },
                            },
                            "The counter and its current ticket (null when free)",
                        ),
                        **responses(**{"401": "Unauthorized", "403": "Forbidden"}),
                    },
                }
            },
            "/tickets/{public_id}/transfer": {
                "post": _counter_step(
                    "transferTicket",
                    "Send the visitor to another service, keeping their place",
                    body={
                        "type": "object",
                        "required": ["service"],
                        "properties": {"service": service_code},
                    },
                )
            },
            "/counter/state": {
                "put": {
                    "operationId": "setCounterState",
                    "summary": "Open, pause or close the token's counter",
                    "tags": ["counter"],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["state"],
                                    "properties": {"state": counter_state},
                                }
                            }
                        },
                    },
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "properties": {"counter": _ref("Counter")},
                            },
                            "The counter's new state",
                        ),
                        **responses(
                            **{
                                "400": "BadRequest",
                                "401": "Unauthorized",
                                "403": "Forbidden",
                                "409": "Conflict",
                                "422": "Unprocessable",
                            }
                        ),
                    },
                }
            },
            "/display": {
                "get": {
                    "operationId": "getDisplay",
                    "summary": "What a display board shows now",
                    "tags": ["read"],
                    "parameters": [
                        {
                            "name": "since",
                            "in": "query",
                            "required": False,
                            "description": "The version last shown; 204 if nothing changed.",
                            "schema": {"type": "integer"},
                        }
                    ],
                    "responses": {
                        "200": _json(_ref("Display"), "The board"),
                        "204": {"description": "Nothing changed since that version"},
                        **responses(**{"401": "Unauthorized", "403": "Forbidden"}),
                    },
                }
            },
        },
        "components": {
            "securitySchemes": {"deviceToken": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": error,
                "Ticket": ticket,
                "Counter": {
                    "type": "object",
                    "properties": {"number": {"type": "integer"}, "state": counter_state},
                },
                "Service": {
                    "type": "object",
                    "properties": {
                        "code": {"type": "string"},
                        "name": {"type": "string"},
                        "name_zh": {"type": "string"},
                        "name_en": {"type": "string"},
                        "room": {"type": "string", "enum": list(ROOMS)},
                        "active": {"type": "boolean"},
                        "waiting": {"type": "integer"},
                        "estimated_wait_minutes": {"type": "integer", "nullable": True},
                        "estimate": {
                            "type": "string",
                            "enum": ["estimate", "nobody_ahead", "no_history", "no_counter"],
                            "description": "Why estimated_wait_minutes is what it is.",
                        },
                        "tickets_left": {
                            "type": "integer",
                            "nullable": True,
                            "description": "Left under today's daily limit; null: no limit.",
                        },
                    },
                },
                "Display": {
                    "type": "object",
                    "properties": {
                        "hall": {"type": "string"},
                        "is_open": {"type": "boolean"},
                        "version": {"type": "integer"},
                        "calls": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "label": {"type": "string"},
                                    "service": {"type": "string"},
                                    "counter": {"type": "integer"},
                                    "status": {"type": "string", "enum": list(AT_COUNTER_STATUSES)},
                                    "recalls": {"type": "integer"},
                                    "called_at": {"type": "string", "format": "date-time"},
                                },
                            },
                        },
                        "waiting": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "service": {"type": "string"},
                                    "waiting": {"type": "integer"},
                                },
                            },
                        },
                    },
                },
            },
            "responses": {
                name: _json(_ref("Error"), description)
                for name, description in (
                    ("BadRequest", "Malformed JSON"),
                    ("Unauthorized", "Missing, unknown, expired or revoked token"),
                    ("Forbidden", "This kind of device, or this counter, may not do this"),
                    ("NotFound", "No such ticket in this hall"),
                    ("Conflict", "The hall's rules refuse this step now"),
                    ("Unprocessable", "Unknown service code or value"),
                    ("ServiceUnavailable", "The database cannot be reached; retry shortly"),
                    ("InternalError", "An unexpected failure (logged)"),
                )
            },
        },
    }
    # Every operation may fail on the server's side; those answers are JSON too.
    for operations in document["paths"].values():
        for operation in operations.values():
            operation["responses"].setdefault("500", _error("InternalError"))
            operation["responses"].setdefault("503", _error("ServiceUnavailable"))
    return document
