"""Domain errors: each names a situation and carries a message in the user's language."""

from flask_babel import lazy_gettext as _l


class HallError(Exception):
    """A rule of the hall said no. `message` is shown to the user as it is."""

    message = _l("This action is not allowed.")
    field: str | None = None  # the form field to attach the message to, when there is one

    def __init__(self, message=None, field: str | None = None):
        if message is not None:
            self.message = message
        if field is not None:
            self.field = field
        super().__init__(self.message)

    def __str__(self) -> str:
        return str(self.message)


class NotFound(HallError):
    message = _l("Not found.")


class Duplicate(HallError):
    message = _l("This already exists.")


class InvalidValue(HallError):
    message = _l("This value is not valid.")


class InvalidCredentials(HallError):
    # Same words for an unknown user and a wrong password: never reveal which accounts exist.
    message = _l("Username or password is incorrect.")


class WrongPassword(HallError):
    message = _l("Your current password is incorrect.")
    field = "current_password"


class WeakPassword(HallError):
    field = "new_password"
