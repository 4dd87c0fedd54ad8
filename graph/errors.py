"""Lookups that found nothing: one family, so the CLI and the API map them to errors once."""


class NotFound(LookupError):
    """Something the question names is not in the graph; the message says what and how to fix it."""

    field: str = ""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.field = field


class UnknownCountry(NotFound):
    pass


class UnknownHsVersion(NotFound):
    pass


class UnknownHsCode(NotFound):
    pass


class UnknownInstrument(NotFound):
    pass


class UnknownProduct(NotFound):
    pass
