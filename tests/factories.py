from datetime import timedelta

import factory
from allauth.account.models import EmailAddress
from django.utils import timezone

from apps.accounts.models import User
from apps.gateway import encryption
from apps.workspaces.actors import Actor
from apps.workspaces.models import Invitation, Membership, Workspace
from apps.workspaces.roles import Role

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        """A verified primary address, as allauth expects for a signed-up user."""
        if create and extracted is not False:
            self.save()
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)


class WorkspaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Workspace

    name = factory.Sequence(lambda n: f"Company {n}")
    slug = factory.Sequence(lambda n: f"company-{n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    workspace = factory.SubFactory(WorkspaceFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.COPYWRITER


def actor_for(workspace: Workspace, user: User | None = None, *, role: str = "") -> Actor:
    """The acting member services take: ``user``'s membership in ``workspace``, or a new member
    with ``role`` when no user is given."""
    if user is None:
        membership = MembershipFactory(workspace=workspace, role=role or Role.OWNER)
    else:
        membership = (
            Membership.objects.for_workspace(workspace)
            .select_related("workspace", "user")
            .get(user=user)
        )
    return Actor(membership=membership)


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    workspace = factory.SubFactory(WorkspaceFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.com")
    role = Role.COPYWRITER
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))


# --- Jobs ---------------------------------------------------------------------------------------
class JobFactory(factory.django.DjangoModelFactory):
    """A queued job of the built-in test kind, without items (add them with JobItemFactory)."""

    class Meta:
        model = "jobs.Job"

    workspace = factory.SubFactory(WorkspaceFactory)
    kind = "jobs.bench_sleep"
    label = factory.Sequence(lambda n: f"Test job {n}")


class JobItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "jobs.JobItem"

    job = factory.SubFactory(JobFactory)
    workspace = factory.SelfAttribute("job.workspace")
    key = factory.Sequence(lambda n: f"item-{n}")
    position = factory.Sequence(lambda n: n)


# --- Model gateway ------------------------------------------------------------------------------
class ModelEntryFactory(factory.django.DjangoModelFactory):
    """A registry model (site-wide); unpriced until a ModelPriceFactory row is added."""

    class Meta:
        model = "gateway.ModelEntry"

    provider = "openai"
    name = factory.Sequence(lambda n: f"test-model-{n}")
    label = factory.LazyAttribute(lambda o: o.name)
    capabilities = factory.LazyFunction(lambda: ["text", "json_schema"])


class ModelPriceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "gateway.ModelPrice"

    model = factory.SubFactory(ModelEntryFactory)
    effective_from = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    input_per_million = "1.00"
    output_per_million = "2.00"


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "catalog.Product"

    workspace = factory.SubFactory(WorkspaceFactory)
    handle = factory.Sequence(lambda n: f"product-{n}")
    title = factory.Sequence(lambda n: f"Product {n}")
    vendor = "Harbor"
    product_type = "Shirts"


class ImportBatchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "catalog.ImportBatch"

    workspace = factory.SubFactory(WorkspaceFactory)
    format = "shopify"
    original_name = "products.csv"
    file = factory.django.FileField(filename="products.csv", data=b"Handle,Title\n")
    detected_encoding = "utf-8"
    delimiter = ","
    headers = factory.LazyFunction(lambda: ["Handle", "Title"])


class CopyDraftFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "copywriting.CopyDraft"

    workspace = factory.SubFactory(WorkspaceFactory)
    product = factory.LazyAttribute(lambda o: ProductFactory(workspace=o.workspace))
    copy_type = "seo_title"


class CopyVariantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "copywriting.CopyVariant"

    workspace = factory.SubFactory(WorkspaceFactory)
    draft = factory.LazyAttribute(lambda o: CopyDraftFactory(workspace=o.workspace))
    position = 1
    data = factory.LazyFunction(lambda: {"text": "Linen shirt for warm days | Harbor"})


# --- Brand profiles -----------------------------------------------------------------------------
class BrandProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "brand.BrandProfile"

    workspace = factory.SubFactory(WorkspaceFactory)
    name = factory.Sequence(lambda n: f"Brand {n}")


class ProfileVersionFactory(factory.django.DjangoModelFactory):
    """An untrained version record (status "training"); train one through the services."""

    class Meta:
        model = "brand.ProfileVersion"

    profile = factory.SubFactory(BrandProfileFactory)
    workspace = factory.SelfAttribute("profile.workspace")
    number = factory.Sequence(lambda n: n + 1)


class MaterialUploadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "brand.MaterialUpload"

    profile = factory.SubFactory(BrandProfileFactory)
    workspace = factory.SelfAttribute("profile.workspace")
    original_name = "copy.csv"
    file = factory.django.FileField(filename="copy.csv", data=b"title,description\nA,Some copy\n")
    detected_encoding = "utf-8"
    delimiter = ","
    headers = factory.LazyFunction(lambda: ["title", "description"])
    row_count = 1


class FineTuneRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "brand.FineTuneRun"

    profile = factory.SubFactory(BrandProfileFactory)
    workspace = factory.SelfAttribute("profile.workspace")


# --- Photo studio -------------------------------------------------------------------------------
class PhotoFactory(factory.django.DjangoModelFactory):
    """An uploaded photo with a small real JPEG behind it."""

    class Meta:
        model = "photos.Photo"

    workspace = factory.SubFactory(WorkspaceFactory)
    original_name = factory.Sequence(lambda n: f"photo-{n}.jpg")
    file = factory.django.ImageField(width=48, height=36, color="#3060a0", format="JPEG")
    width = 48
    height = 36
    source_format = "JPEG"


class PhotoRecipeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "photos.PhotoRecipe"

    workspace = factory.SubFactory(WorkspaceFactory)
    name = factory.Sequence(lambda n: f"Recipe {n}")
    steps = factory.LazyFunction(
        lambda: [
            {"op": "remove_background", "params": {}},
            {"op": "background", "params": {"kind": "white"}},
        ]
    )
    preset = "amazon-main"


class PhotoOutputFactory(factory.django.DjangoModelFactory):
    """A processed photo (draft) of a PhotoFactory photo in the same workspace."""

    class Meta:
        model = "photos.PhotoOutput"

    workspace = factory.SubFactory(WorkspaceFactory)
    photo = factory.SubFactory(PhotoFactory, workspace=factory.SelfAttribute("..workspace"))
    recipe_name = "Test recipe"
    steps = factory.LazyFunction(lambda: [{"op": "remove_background", "params": {}}])
    preset = "amazon-main"
    file = factory.django.ImageField(width=40, height=40, color="white", format="JPEG")
    width = 40
    height = 40


class LightingProfileFactory(factory.django.DjangoModelFactory):
    """A profile version with made-up statistics (learn real ones through the services)."""

    class Meta:
        model = "brand.LightingProfile"

    workspace = factory.SubFactory(WorkspaceFactory)
    brand = factory.SubFactory(BrandProfileFactory, workspace=factory.SelfAttribute("..workspace"))
    version = factory.Sequence(lambda n: n + 1)
    is_active = False
    stats = factory.LazyFunction(
        lambda: {
            "references": 5,
            "product": None,
            "background": None,
            "white_point": [0.0, 0.0],
            "white_level": 95.0,
            "colour_temperature": 6504,
            "exposure": 60.0,
            "contrast": 20.0,
            "saturation": 10.0,
            "background_rgb": [250, 250, 250],
            "background_hex": "#fafafa",
            "shadow": None,
        }
    )


class LightingReferenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "brand.LightingReference"

    profile = factory.SubFactory(LightingProfileFactory)
    workspace = factory.SelfAttribute("profile.workspace")
    original_name = "reference.jpg"
    file = factory.django.ImageField(width=32, height=32, color="#eeeeee", format="JPEG")


class ApiKeyFactory(factory.django.DjangoModelFactory):
    """A key row (its secret unknown; tests that call the API use ``api_key_create``)."""

    class Meta:
        model = "api.ApiKey"

    workspace = factory.SubFactory(WorkspaceFactory)
    name = factory.Sequence(lambda n: f"Key {n}")
    role = Role.ADMIN
    prefix = factory.Sequence(lambda n: f"atk_{n:08x}")
    secret_hash = factory.Sequence(lambda n: f"{n:064x}")
    created_by = factory.SubFactory(UserFactory)


# --- Webhooks -----------------------------------------------------------------------------------
class WebhookEndpointFactory(factory.django.DjangoModelFactory):
    """An endpoint whose secret is ``whsec_test`` (encrypted as the service stores it)."""

    class Meta:
        model = "webhooks.WebhookEndpoint"

    workspace = factory.SubFactory(WorkspaceFactory)
    url = factory.Sequence(lambda n: f"https://hooks{n}.example.com/atelier")
    events = factory.LazyFunction(lambda: ["job.finished"])
    secret_encrypted = factory.LazyFunction(lambda: encryption.encrypt("whsec_test"))
    secret_hint = "whsec_…test"


class WebhookEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "webhooks.WebhookEvent"

    workspace = factory.SubFactory(WorkspaceFactory)
    type = "job.finished"
    key = factory.Sequence(lambda n: f"job.finished:job-{n}")
    data = factory.LazyFunction(lambda: {"job_id": 1})


class WebhookDeliveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "webhooks.WebhookDelivery"

    workspace = factory.SubFactory(WorkspaceFactory)
    endpoint = factory.SubFactory(
        WebhookEndpointFactory, workspace=factory.SelfAttribute("..workspace")
    )
    event = factory.SubFactory(WebhookEventFactory, workspace=factory.SelfAttribute("..workspace"))
    status = "failed"
    attempt_count = 1
    last_status_code = 500
    last_summary = "500 Internal Server Error"


# --- Notifications ------------------------------------------------------------------------------
class NotificationFactory(factory.django.DjangoModelFactory):
    """A notification for a member of the workspace (a new reviewer unless ``recipient`` is
    given)."""

    class Meta:
        model = "notifications.Notification"

    workspace = factory.SubFactory(WorkspaceFactory)
    recipient = factory.LazyAttribute(
        lambda o: MembershipFactory(workspace=o.workspace, role=Role.REVIEWER).user
    )
    kind = "job_done"
    event_name = "job.finished"
    event_key = factory.Sequence(lambda n: f"job.finished:job-{n}")
    title = factory.Sequence(lambda n: f"Your job “Test job {n}” finished")
    url = factory.LazyAttribute(lambda o: f"/w/{o.workspace.slug}/jobs/")
