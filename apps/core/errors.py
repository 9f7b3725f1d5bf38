class ServiceError(Exception):
    """A request that the rules refuse. The message is written for the person who asked.

    Services raise it before they change anything (or inside the transaction they roll back),
    so nothing already saved is touched; views turn it into a flash message or a form error.
    """

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        code: str = "invalid",
        fix_url: str = "",
        fix_label: str = "",
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code
        # Where the person can put it right (a page of ours), shown as a link beside the message
        # rather than written into it.
        self.fix_url = fix_url
        self.fix_label = fix_label
