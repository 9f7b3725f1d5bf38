"""The studio's pages: roles (403), other workspaces (404), and what each page shows."""

import pytest
from django.urls import reverse

from apps.photos.models import Photo, PhotoOutput, PhotoRecipe
from apps.photos.services import recipes
from tests.factories import (
    BrandProfileFactory,
    LightingProfileFactory,
    PhotoFactory,
    PhotoOutputFactory,
    PhotoRecipeFactory,
    actor_for,
)
from tests.photos.conftest import encode, product_pixels, studio_profile, upload


def url(name, workspace, **kwargs):
    return reverse(name, kwargs={"slug": workspace.slug, **kwargs})


def _no_inline_styles(response):
    html = response.content.decode()
    assert " style=" not in html and "<script>" not in html


@pytest.mark.parametrize("role", ["copywriter", "reviewer"])
@pytest.mark.parametrize(
    "name", ["photo_studio", "photo_output_list", "photo_recipes", "photo_lighting"]
)
def test_roles_without_the_photo_right_get_403(client, workspace, member, role, name):
    client.force_login(member(role))
    response = client.get(url(name, workspace))
    assert response.status_code == 403
    assert "may not do this: process product photos" in response.content.decode()


def test_uploading_and_processing_need_the_photo_right(client, workspace, member):
    client.force_login(member("copywriter"))
    response = client.post(
        url("photo_upload", workspace), {"files": [upload("a.jpg", encode(product_pixels()))]}
    )
    assert response.status_code == 403
    assert not Photo.objects.for_workspace(workspace).exists()
    photo = PhotoFactory(workspace=workspace)
    recipe = PhotoRecipeFactory(workspace=workspace)
    response = client.post(
        url("photo_process", workspace), {"photos": [photo.pk], "recipe": recipe.pk}
    )
    assert response.status_code == 403


def test_only_brand_roles_learn_lighting_profiles(client, workspace, editor):
    brand = BrandProfileFactory(workspace=workspace)
    client.force_login(editor)
    response = client.post(url("brand_lighting", workspace, profile_id=brand.pk), {})
    assert response.status_code == 403
    assert "brand profiles" in response.content.decode().lower()


def test_another_workspaces_objects_are_404(client, workspace, other_workspace, stranger):
    photo = PhotoFactory(workspace=workspace)
    output = PhotoOutputFactory(workspace=workspace)
    recipe = PhotoRecipeFactory(workspace=workspace)
    profile = LightingProfileFactory(workspace=workspace)
    client.force_login(stranger)
    for name, kwargs in [
        ("photo_detail", {"photo_id": photo.pk}),
        ("photo_image", {"photo_id": photo.pk}),
        ("photo_preview", {"photo_id": photo.pk}),
        ("photo_output_detail", {"photo_output_id": output.pk}),
        ("photo_output_image", {"photo_output_id": output.pk}),
        ("photo_review_detail", {"photo_output_id": output.pk}),
        ("photo_recipe_edit", {"photo_recipe_id": recipe.pk}),
    ]:
        # Their own workspace's address with our ids: not found.
        assert client.get(url(name, other_workspace, **kwargs)).status_code == 404, name
    response = client.post(
        url("photo_output_decide", other_workspace, photo_output_id=output.pk),
        {"decision": "submit"},
    )
    assert response.status_code == 404
    response = client.post(
        url("brand_lighting_activate", other_workspace, lighting_profile_id=profile.pk)
    )
    assert response.status_code == 404
    output.refresh_from_db()
    profile.refresh_from_db()
    assert output.review_state == "draft" and profile.is_active is False
    # And a batch of photos of ours cannot be started from their workspace.
    other_recipe = PhotoRecipeFactory(workspace=other_workspace)
    response = client.post(
        url("photo_process", other_workspace),
        {"photos": [photo.pk], "recipe": other_recipe.pk},
        follow=True,
    )
    assert (
        "Some of those photos are not in this workspace or are still" in response.content.decode()
    )


def test_upload_page_flow(client, workspace, editor, django_capture_on_commit_callbacks):
    client.force_login(editor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url("photo_upload", workspace),
            {"files": [upload("shirt.jpg", encode(product_pixels())), upload("x.png", b"nope")]},
            follow=True,
        )
    html = response.content.decode()
    assert "1 photo uploaded; it is being checked and made ready" in html
    assert "“x.png” is not a JPEG, PNG or WebP image" in html
    photo = Photo.objects.for_workspace(workspace).get()
    assert photo.original_name == "shirt.jpg"
    page = client.get(url("photo_studio", workspace))
    assert page.status_code == 200 and "shirt.jpg" in page.content.decode()
    _no_inline_styles(page)
    image = client.get(url("photo_image", workspace, photo_id=photo.pk) + "?size=thumb")
    assert image.status_code == 200 and image["Content-Type"] == "image/jpeg"


def test_a_batch_from_the_page_shows_its_progress_and_outputs(
    client, workspace, editor, django_capture_on_commit_callbacks, ingest
):
    ingest(workspace, editor, [upload("a.jpg", encode(product_pixels()))])
    photo = Photo.objects.for_workspace(workspace).get()
    recipe = recipes.recipe_save(
        actor=actor_for(workspace, editor),
        name="Square",
        preset="instagram-square",
        steps=[{"op": "remove_background"}, {"op": "background", "params": {"kind": "white"}}],
    )
    client.force_login(editor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url("photo_process", workspace), {"photos": [photo.pk], "recipe": recipe.pk}
        )
    assert response.status_code == 302
    page = client.get(response["Location"])
    html = page.content.decode()
    assert 'data-testid="job-progress"' in html and "1</strong> / 1 items" in html
    output = PhotoOutput.objects.for_workspace(workspace).get()
    assert (
        reverse(
            "photo_output_detail", kwargs={"slug": workspace.slug, "photo_output_id": output.pk}
        )
        in html
    )
    detail = client.get(url("photo_output_detail", workspace, photo_output_id=output.pk))
    assert 'data-testid="before-after"' in detail.content.decode()
    assert 'class="form-range ba-range"' in detail.content.decode()
    _no_inline_styles(detail)


def test_the_preview_and_its_fidelity_note(client, workspace, editor, ingest):
    profile = studio_profile()
    LightingProfileFactory(workspace=workspace, is_active=True, stats=profile)
    # A red product under a warm, dim light: correcting the light fully would move it.
    photo_content = encode(
        product_pixels(240, 180, product=(200, 30, 30), backdrop=(170, 140, 100), light=0.8)
    )
    ingest(workspace, editor, [upload("red.jpg", photo_content)])
    photo = Photo.objects.for_workspace(workspace).get()
    recipe = PhotoRecipe.objects.create(
        workspace=workspace,
        name="Relit",
        steps=[
            {"op": "remove_background", "params": {}},
            {"op": "relight", "params": {"max_colour_shift": 1.5}},
        ],
    )
    client.force_login(editor)
    page = client.get(url("photo_detail", workspace, photo_id=photo.pk) + f"?recipe={recipe.pk}")
    html = page.content.decode()
    assert 'data-testid="fidelity-guard"' in html
    assert "Fidelity cap: the full light correction would have moved the product" in html
    assert 'data-testid="cutout-confidence"' in html
    image = client.get(url("photo_preview", workspace, photo_id=photo.pk) + f"?recipe={recipe.pk}")
    assert image.status_code == 200 and image["Content-Type"] == "image/png"  # a cut-out
    assert PhotoOutput.objects.for_workspace(workspace).count() == 0  # previews store nothing


def test_the_review_pages(client, workspace, editor, reviewer):
    output = PhotoOutputFactory(workspace=workspace)
    client.force_login(editor)
    client.post(
        url("photo_output_decide", workspace, photo_output_id=output.pk), {"decision": "submit"}
    )
    output.refresh_from_db()
    assert output.review_state == "in_review"
    client.force_login(reviewer)
    queue = client.get(url("photo_review_queue", workspace))
    assert output.photo.original_name in queue.content.decode()
    detail = client.get(url("photo_review_detail", workspace, photo_output_id=output.pk))
    html = detail.content.decode()
    assert 'value="approve"' in html and 'value="request_changes"' in html
    refused = client.post(
        url("photo_review_detail", workspace, photo_output_id=output.pk),
        {"decision": "request_changes", "comment": ""},
        follow=True,
    )
    assert "a comment is required" in refused.content.decode()
    client.post(
        url("photo_review_detail", workspace, photo_output_id=output.pk),
        {"decision": "request_changes", "comment": "Crop tighter."},
    )
    output.refresh_from_db()
    assert output.review_state == "changes_requested"
    client.force_login(editor)
    page = client.get(url("photo_output_detail", workspace, photo_output_id=output.pk))
    assert "Crop tighter." in page.content.decode()


def test_the_recipe_builder(client, workspace, editor):
    client.force_login(editor)
    response = client.post(
        url("photo_recipes", workspace),
        {
            "name": "Brand beige",
            "preset": "shopify-square",
            "remove_background": "on",
            "background": "on",
            "background_kind": "colour",
            "background_colour": "#f4efe6",
            "shadow": "on",
            "shadow_kind": "drop",
            "shadow_angle": "60",
            "shadow_strength": "0.4",
            "shadow_softness": "0.6",
            "shadow_distance": "0.05",
        },
    )
    assert response.status_code == 302
    recipe = PhotoRecipe.objects.for_workspace(workspace).get()
    assert (recipe.name, recipe.preset) == ("Brand beige", "shopify-square")
    assert recipe.steps == [
        {"op": "remove_background", "params": {}},
        {"op": "background", "params": {"kind": "colour", "colour": "#f4efe6"}},
        {
            "op": "shadow",
            "params": {
                "kind": "drop",
                "softness": 0.6,
                "distance": 0.05,
                "angle": 60.0,
                "strength": 0.4,
            },
        },
    ]
    edit = client.get(url("photo_recipe_edit", workspace, photo_recipe_id=recipe.pk))
    assert edit.status_code == 200 and 'value="#f4efe6"' in edit.content.decode()
    _no_inline_styles(edit)
    bad = client.post(
        url("photo_recipes", workspace),
        {
            "name": "Bad",
            "background": "on",
            "background_kind": "colour",
            "background_colour": "beige",
        },
    )
    assert bad.status_code == 400
    assert "“beige” is not a colour" in bad.content.decode()
    assert PhotoRecipe.objects.for_workspace(workspace).count() == 1


def test_built_in_recipes_are_listed_and_edited_as_a_copy(
    client, workspace, editor, other_workspace
):
    client.force_login(editor)
    page = client.get(url("photo_recipes", workspace)).content.decode()
    for name in (
        "Amazon main image",
        "Shopify square",
        "Instagram portrait",
        "Instagram square",
        "Google Merchant Center",
    ):
        assert name in page
    first = client.post(url("photo_recipe_copy", workspace), {"code": "amazon-main"})
    second = client.post(url("photo_recipe_copy", workspace), {"code": "amazon-main"})
    copies = list(PhotoRecipe.objects.for_workspace(workspace).order_by("pk"))
    assert [(r.name, r.preset) for r in copies] == [
        ("Amazon main image (copy)", "amazon-main"),
        ("Amazon main image (copy 2)", "amazon-main"),
    ]
    assert [step["op"] for step in copies[0].steps] == [
        "remove_background",
        "exposure",
        "background",
        "shadow",
    ]
    assert first["Location"] == url("photo_recipe_edit", workspace, photo_recipe_id=copies[0].pk)
    assert second.status_code == 302
    refused = client.post(url("photo_recipe_copy", workspace), {"code": "tiktok"}, follow=True)
    assert "There is no such built-in recipe." in refused.content.decode()
    assert PhotoRecipe.objects.for_workspace(workspace).count() == 2
    assert not PhotoRecipe.objects.for_workspace(other_workspace).exists()


def test_review_buttons_are_actions(client, workspace, reviewer):
    output = PhotoOutputFactory(workspace=workspace, review_state="in_review")
    client.force_login(reviewer)
    html = client.get(url("photo_review_detail", workspace, photo_output_id=output.pk)).content
    html = html.decode()
    for action in ("Approve", "Request changes", "Reject"):
        assert f'value="{action.lower().replace(" ", "_")}">{action}</button>' in html
    assert ">Approved</button>" not in html and ">Rejected</button>" not in html


def test_submitting_several_says_what_went_and_names_what_could_not(client, workspace, editor):
    ready = PhotoOutputFactory(workspace=workspace)
    approved = PhotoOutputFactory(workspace=workspace, review_state="approved")
    client.force_login(editor)
    response = client.post(
        url("photo_outputs_submit", workspace),
        {"outputs": [str(ready.pk), str(approved.pk)]},
        follow=True,
    )
    html = response.content.decode()
    assert "1 photo sent for review." in html
    assert f"“{approved.photo.original_name}”: " in html
    ready.refresh_from_db()
    approved.refresh_from_db()
    assert (ready.review_state, approved.review_state) == ("in_review", "approved")
