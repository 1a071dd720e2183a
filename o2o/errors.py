"""Base of every app's domain errors: a stable code and the HTTP status an API answers with."""


class DomainError(Exception):
    code = "error"
    http_status = 400

    def __init__(self, message: str = "", *, code: str | None = None):
        super().__init__(message or self.__class__.__doc__ or self.code)
        if code:
            self.code = code


class NotFound(DomainError):
    """The object does not exist."""

    code = "not_found"
    http_status = 404


class Conflict(DomainError):
    """The request conflicts with the current state."""

    code = "conflict"
    http_status = 409


class TooManyAttempts(DomainError):
    """Too many attempts; try again later (`retry_after` seconds, see o2o.throttle)."""

    code = "too_many_attempts"
    http_status = 429

    def __init__(self, message: str = "", *, retry_after: int = 0, code: str | None = None):
        super().__init__(message, code=code)
        self.retry_after = retry_after
