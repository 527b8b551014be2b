from flask import Blueprint

bp = Blueprint("enterprise", __name__, url_prefix="/enterprise")

# One module a screen: the register (views), staff imports, bookings, registrations, figures.
from hallapp.blueprints.enterprise import (  # noqa: E402, F401
    bookings,
    figures,
    imports,
    registrations,
    views,
)
