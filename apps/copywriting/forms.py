from django import forms

from apps.copywriting.channels import COPY_TYPE_CHOICES
from apps.copywriting.services import MAX_VARIANTS, CopyBrief
from apps.reviews.lifecycle import ReviewDecision


class BriefForm(forms.Form):
    copy_types = forms.MultipleChoiceField(
        choices=COPY_TYPE_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        initial=["product_description"],
        label="Kinds of copy",
    )
    variants = forms.IntegerField(min_value=1, max_value=MAX_VARIANTS, initial=3, label="Variants")
    tone = forms.CharField(
        required=False, max_length=120, help_text="e.g. warm, confident, playful"
    )
    keywords = forms.CharField(
        required=False, max_length=500, help_text="Comma-separated words to work in."
    )
    instructions = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
    brand_profile = forms.TypedChoiceField(
        required=False, coerce=int, empty_value=None, label="Brand voice"
    )
    skip_approved = forms.BooleanField(
        required=False,
        initial=True,
        label="Skip products that already have approved copy of this kind",
    )

    def __init__(self, *args, profiles=(), default_profile=None, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(0, "No brand voice")]
        for p in profiles:
            label = p.name
            if default_profile is not None and p.pk == default_profile.pk:
                label += " (the workspace's default)"
            if not p.active_version_id:
                label += " (not trained yet)"
            choices.append((p.pk, label))
        field = self.fields["brand_profile"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices
        # Only a profile a brand manager marked as the default is applied without choosing.
        field.initial = default_profile.pk if default_profile is not None else 0
        if len(choices) == 1:  # nothing to choose yet
            field.help_text = (
                "Train a brand profile (Brand profiles) and drafts can sound like your brand."
            )
        elif default_profile is not None:
            field.help_text = (
                f"{default_profile.name} is applied unless you choose otherwise: a brand manager "
                "marked it as the workspace's default."
            )
        else:
            field.help_text = (
                "No voice is applied unless you choose one; a brand manager can mark a default "
                "on its profile page."
            )

    def brief(self) -> CopyBrief:
        data = self.cleaned_data
        return CopyBrief(
            copy_types=tuple(data["copy_types"]),
            variants=data["variants"],
            instructions=data["instructions"].strip(),
            keywords=tuple(k.strip() for k in data["keywords"].split(",") if k.strip()),
            tone=data["tone"].strip(),
            skip_approved=data["skip_approved"],
            brand_profile_id=data.get("brand_profile"),
        )


class FeedbackForm(forms.Form):
    feedback = forms.CharField(max_length=1000)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=ReviewDecision.choices)
    comment = forms.CharField(required=False, max_length=4000)
    override_claims = forms.BooleanField(required=False)


class QueueFilterForm(forms.Form):
    copy_type = forms.ChoiceField(required=False, choices=[("", "Any kind"), *COPY_TYPE_CHOICES])
    q = forms.CharField(required=False, label="Product")
    author = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    older_than_days = forms.TypedChoiceField(
        required=False,
        coerce=int,
        empty_value=None,
        label="Waiting",
        choices=[("", "Any age"), ("1", "Over a day"), ("3", "Over 3 days"), ("7", "Over a week")],
    )

    def __init__(self, *args, authors=(), **kwargs):
        super().__init__(*args, **kwargs)
        author = self.fields["author"]
        assert isinstance(author, forms.ChoiceField)
        author.choices = [("", "Anyone"), *[(u.pk, u.email) for u in authors]]


class CopySettingsForm(forms.Form):
    description_target_words = forms.IntegerField(
        min_value=30, max_value=600, label="Product description length (words)"
    )
    amazon_bullet_max_chars = forms.TypedChoiceField(
        coerce=int,
        choices=[(250, "250 characters (most categories)"), (500, "500 characters")],
        label="Amazon bullet length",
    )
    default_tone = forms.CharField(required=False, max_length=120, label="Default tone")
