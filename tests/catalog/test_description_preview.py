"""The rendered, sanitised preview beside a description's HTML editor."""

import pytest
from django.urls import reverse

from tests.factories import CopyDraftFactory, CopyVariantFactory, MembershipFactory

pytestmark = pytest.mark.postgres

DANGEROUS = (
    "<p>Soft <strong>linen</strong> for <em>warm</em> days.</p><ul><li>Relaxed fit</li></ul>"
    "<script>alert('x')</script><img src=x onerror=\"alert('y')\">"
    '<a href="javascript:alert(1)" onclick="steal()">more</a><p style="color:red">Styled</p>'
)


def test_the_preview_shows_the_formatting_and_strips_scripts(workspace, member_client):
    copywriter = MembershipFactory(workspace=workspace, role="copywriter").user
    client = member_client(copywriter)
    url = reverse("catalog_description_preview", kwargs={"slug": workspace.slug})
    answer = client.post(url, {"field_text": DANGEROUS})
    assert answer.status_code == 200
    html = answer.content.decode()
    assert "<p>Soft <strong>linen</strong> for <em>warm</em> days.</p>" in html
    assert "<ul><li>Relaxed fit</li></ul>" in html
    for gone in ("<script", "alert", "onerror", "onclick", "javascript:", "style=", "<img"):
        assert gone not in html
    assert "<p>Styled</p>" in html
    assert ">more</a>" in html
    empty = client.post(url, {"field_text": "  "})
    assert "Nothing to preview yet." in empty.content.decode()


def test_the_preview_is_a_post_for_members_only(workspace, member_client, stranger):
    url = reverse("catalog_description_preview", kwargs={"slug": workspace.slug})
    client = member_client(stranger)
    assert client.post(url, {"html": "<p>x</p>"}).status_code == 404
    reviewer = MembershipFactory(workspace=workspace, role="reviewer").user
    client = member_client(reviewer)
    assert client.get(url).status_code == 405
    assert client.post(url, {"html": "<p>x</p>"}).status_code == 200


def test_the_description_editor_has_its_preview_beside_it(workspace, member_client):
    copywriter = MembershipFactory(workspace=workspace, role="copywriter").user
    draft = CopyDraftFactory(
        workspace=workspace, copy_type="product_description", author=copywriter
    )
    variant = CopyVariantFactory(workspace=workspace, draft=draft, data={"text": DANGEROUS})
    title = CopyDraftFactory(workspace=workspace, copy_type="seo_title", product=draft.product)
    CopyVariantFactory(workspace=workspace, draft=title)
    client = member_client(copywriter)
    page = client.get(
        reverse("copy_draft_detail", kwargs={"slug": workspace.slug, "draft_id": draft.pk})
    ).content.decode()
    editor = f"f-{variant.pk}-text"
    assert f'id="{editor}"' in page
    assert f'id="preview-{editor}"' in page
    assert f'hx-include="#{editor}"' in page
    preview = page.split(f'id="preview-{editor}"', 1)[1].split("</div>", 1)[0]
    assert "<strong>linen</strong>" in preview and "<script" not in preview
    # A plain-text field has no HTML preview.
    other = client.get(
        reverse("copy_draft_detail", kwargs={"slug": workspace.slug, "draft_id": title.pk})
    ).content.decode()
    assert 'data-testid="description-preview"' not in other
