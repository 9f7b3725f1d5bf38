from django import forms

from apps.brand.models import Person, Policy


class ProfileCreateForm(forms.Form):
    name = forms.CharField(max_length=120, label="Name", help_text="E.g. the brand or sub-brand.")
    description = forms.CharField(max_length=300, required=False, label="Description")


class StyleGuideForm(forms.Form):
    tone_words = forms.CharField(
        max_length=300, required=False, label="Tone", help_text="Comma-separated words."
    )
    banned = forms.CharField(
        required=False,
        label="Banned words and phrases",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="One a line; add a replacement with “=>”, e.g. <code>cheap => affordable</code>."
        " Written as plain text: symbols are matched literally.",
    )
    preferred_terms = forms.CharField(
        required=False,
        label="Preferred terms",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One a line (or comma-separated).",
    )
    own_names = forms.CharField(
        required=False,
        label="Our own names",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Product lines, technologies and trademarks of the brand, one a line: copy may "
        "name them although a product's facts do not.",
    )
    person = forms.ChoiceField(choices=Person.choices, label="Speaks as")
    reading_grade_target = forms.FloatField(
        required=False, min_value=1, max_value=20, label="Reading level (school grade)"
    )
    emoji_policy = forms.ChoiceField(choices=Policy.choices, label="Emoji")
    exclamation_policy = forms.ChoiceField(choices=Policy.choices, label="Exclamation marks")
    use_workspace_copy = forms.BooleanField(
        required=False, label="Also learn from this workspace's live and approved copy"
    )
    auto_train_min_new = forms.IntegerField(
        min_value=0,
        label="Train automatically after this many new texts",
        help_text="0 turns automatic training off.",
    )

    @classmethod
    def for_profile(cls, profile, data=None):
        initial = {
            "tone_words": profile.tone_words,
            "banned": "\n".join(
                f"{e['term']} => {e['replacement']}" if e.get("replacement") else e["term"]
                for e in profile.banned_terms or []
            ),
            "preferred_terms": "\n".join(profile.preferred_terms or []),
            "own_names": "\n".join(profile.own_names or []),
            "person": profile.person,
            "reading_grade_target": profile.reading_grade_target,
            "emoji_policy": profile.emoji_policy,
            "exclamation_policy": profile.exclamation_policy,
            "use_workspace_copy": profile.use_workspace_copy,
            "auto_train_min_new": profile.auto_train_min_new,
        }
        return cls(data, initial=initial)


class PasteForm(forms.Form):
    content = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}), label="Past copy", max_length=2_000_000
    )
    split = forms.ChoiceField(
        choices=[
            ("blank", "One text per block (blank line between texts)"),
            ("line", "One text per line"),
            ("whole", "All of it is one text"),
        ],
        initial="blank",
        label="How are the texts separated?",
    )


class UploadForm(forms.Form):
    file = forms.FileField(
        label="CSV of past copy",
        help_text="UTF-8, UTF-16 or Windows-1252; comma, semicolon or tab separated.",
    )


class UploadMappingForm(forms.Form):
    def __init__(self, *args, headers: list[str], initial_mapping: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "— not in this file —"), *[(h, h) for h in headers]]
        self.fields["text"] = forms.ChoiceField(
            label="Column with the copy", choices=choices, initial=initial_mapping.get("text", "")
        )
        self.fields["title"] = forms.ChoiceField(
            label="Column with the product title (optional)",
            choices=choices,
            required=False,
            initial=initial_mapping.get("title", ""),
        )
