"""A gateway for an SMS provider's HTTP API of the usual Chinese shape: a registered template
code, a sign name (the 【签名】 in front of each text), the template's parameters, and a result
per message. One request per message; the outbox (services/notifications.py) retries.

Settings (HALL_ prefix in the environment):
  SMS_API_URL       the provider's send endpoint, e.g. https://sms.example.cn/v1/send
  SMS_ACCESS_KEY    sent as a bearer token
  SMS_SIGN_NAME     the registered sign name, e.g. 出入境服务大厅
  SMS_TEMPLATES     {"ticket_called": "SMS_0001", "ticket_ahead": "SMS_0002"}: our template
                    keys to the provider's codes
  SMS_TIMEOUT       seconds to wait for the provider (default 5)
"""

from __future__ import annotations

import json

import requests

from hallapp.services.notifications import Delivery, PermanentFailure, Text

# Provider codes that no retry will change: a bad number, an unknown template or sign, a
# number that opted out. Anything else (throttling, a provider hiccup) is tried again.
PERMANENT_CODES = frozenset(
    {
        "MOBILE_NUMBER_ILLEGAL",
        "TEMPLATE_MISSING_PARAMETERS",
        "INVALID_TEMPLATE",
        "INVALID_SIGN_NAME",
        "BLACKLISTED",
        "PARAMETER_INVALID",
    }
)


class ProviderError(Exception):
    """The provider did not take the message this time; try again later."""


class HttpSmsGateway:
    def __init__(self, config):
        self.url = config["SMS_API_URL"]
        self.key = config.get("SMS_ACCESS_KEY") or ""
        self.sign_name = config["SMS_SIGN_NAME"]
        templates = config.get("SMS_TEMPLATES") or {}
        self.templates = json.loads(templates) if isinstance(templates, str) else dict(templates)
        self.timeout = float(config.get("SMS_TIMEOUT") or 5)
        self.http = requests.Session()

    def send(self, text: Text) -> Delivery:
        code = self.templates.get(text.template or "")
        if code is None:
            raise PermanentFailure(f"no provider template for {text.template!r}")
        payload = {
            "PhoneNumbers": text.phone,
            "SignName": self.sign_name,
            "TemplateCode": code,
            "TemplateParam": json.dumps(text.params, ensure_ascii=False, sort_keys=True),
        }
        try:
            response = self.http.post(
                self.url,
                json=payload,
                headers={"Authorization": f"Bearer {self.key}"},
                timeout=self.timeout,
            )
        except requests.Timeout as error:
            raise ProviderError(f"no answer within {self.timeout:g} s") from error
        except requests.RequestException as error:
            raise ProviderError(f"cannot reach the provider: {type(error).__name__}") from error
        try:
            result = response.json()
        except ValueError:
            result = {}
        result_code = str(result.get("Code") or "")
        if response.status_code >= 500 or response.status_code == 429:
            raise ProviderError(f"HTTP {response.status_code} {result_code}".strip())
        if result_code in PERMANENT_CODES:
            raise PermanentFailure(f"{result_code}: {result.get('Message', '')}".strip())
        if response.status_code >= 400:
            # Credentials or request shape: an operator must act, but the text may still go.
            raise ProviderError(f"HTTP {response.status_code} {result_code}".strip())
        if result_code != "OK":
            raise ProviderError(f"{result_code or 'no result'}: {result.get('Message', '')}")
        return Delivery("sent", result.get("BizId"))
