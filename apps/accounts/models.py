from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra: object) -> "User":
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: object) -> "User":
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> "User":
        extra.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """A person. Signs in with an e-mail address; there is no username."""

    # Removing AbstractUser's fields is Django's documented way; the stubs type them as str.
    username = None  # type: ignore[assignment]
    first_name = None  # type: ignore[assignment]
    last_name = None  # type: ignore[assignment]
    email = models.EmailField("e-mail address", unique=True)
    name = models.CharField(max_length=150, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UserManager()  # type: ignore[misc,assignment]  # e-mail, not username, creates users

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.name or self.email

    @property
    def display_name(self) -> str:
        return self.name or self.email.split("@", 1)[0]


class UserPreferences(models.Model):
    """How one person wants the interface to behave, in every workspace they belong to.

    Kept here, below the workspaces, because it belongs to the person and not to a company, and
    because every page reads it (the base template marks ``<body>`` with it), workspace pages or
    not. What a preference means to an upper app (which e-mails a person gets) lives in that app.
    """

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="preferences")
    # Single-key shortcuts ("a" approves on the review page): some people press keys by accident,
    # and screen-reader users need their keys for the reader.
    keyboard_shortcuts = models.BooleanField(
        "single-key keyboard shortcuts",
        default=True,
        help_text='Keys like "a" (approve) and "n" (next) on the review pages.',
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "user preferences"

    def __str__(self) -> str:
        return f"Preferences of {self.user}"
