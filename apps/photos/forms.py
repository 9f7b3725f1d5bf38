"""Forms: the recipe builder (one fieldset per operation) and the small action forms."""

from __future__ import annotations

from typing import Any, cast

from django import forms

from apps.brand import lighting
from apps.imaging import colour
from apps.photos.pipeline import BACKGROUND_KINDS, SHADOW_KINDS
from apps.photos.presets import preset_choices
from apps.reviews.lifecycle import ReviewDecision

BACKGROUND_LABELS = {
    "white": "Pure white (255, 255, 255)",
    "colour": "A brand colour",
    "profile": "The lighting profile's backdrop colour",
    "gradient": "A gradient",
    "image": "A brand background image",
}


def _hex(label: str, initial: str) -> forms.CharField:
    return forms.CharField(label=label, initial=initial, required=False, max_length=7)


class RecipeForm(forms.Form):
    """A recipe: which operations run (in the pipeline's fixed order) and their settings."""

    name = forms.CharField(max_length=120)
    preset = forms.ChoiceField(
        label="Channel preset", required=False, choices=[("", "None (keep the frame)")]
    )
    remove_background = forms.BooleanField(label="Remove the background", required=False)
    white_balance = forms.BooleanField(label="White balance", required=False)
    white_balance_strength = forms.FloatField(
        label="Strength", min_value=0, max_value=1, initial=1.0, required=False
    )
    exposure = forms.BooleanField(label="Exposure", required=False)
    exposure_ev = forms.CharField(
        label="Stops (EV), or auto", initial="auto", max_length=10, required=False
    )
    relight = forms.BooleanField(label="Relight to the lighting profile", required=False)
    relight_strength = forms.FloatField(
        label="Strength", min_value=0, max_value=1, initial=1.0, required=False
    )
    relight_max_colour_shift = forms.FloatField(
        label="Fidelity cap: largest change of the product's colour (ΔE*ab)",
        min_value=0,
        max_value=20,
        initial=lighting.DEFAULT_MAX_COLOUR_SHIFT,
        required=False,
    )
    background = forms.BooleanField(label="Replace the background", required=False)
    background_kind = forms.ChoiceField(
        label="Backdrop",
        choices=[(k, BACKGROUND_LABELS[k]) for k in BACKGROUND_KINDS],
        initial="white",
        required=False,
    )
    background_colour = _hex("Colour", "#f4efe6")
    gradient_top = _hex("Gradient top", "#ffffff")
    gradient_bottom = _hex("Gradient bottom", "#e9e6e1")
    background_photo = forms.TypedChoiceField(
        label="Background image", coerce=int, required=False, empty_value=None, choices=[]
    )
    shadow = forms.BooleanField(label="Add a shadow", required=False)
    shadow_kind = forms.ChoiceField(
        label="Kind",
        choices=[(k, k.capitalize()) for k in SHADOW_KINDS],
        initial="contact",
        required=False,
    )
    shadow_from_profile = forms.BooleanField(
        label="Direction and strength from the lighting profile", required=False
    )
    shadow_angle = forms.FloatField(
        label="Direction (degrees, 90 = down)",
        min_value=-180,
        max_value=360,
        initial=90,
        required=False,
    )
    shadow_softness = forms.FloatField(
        label="Softness", min_value=0, max_value=1, initial=0.5, required=False
    )
    shadow_strength = forms.FloatField(
        label="Strength", min_value=0, max_value=1, initial=0.35, required=False
    )
    shadow_distance = forms.FloatField(
        label="Distance (share of the product's height)",
        min_value=0,
        max_value=0.2,
        initial=0.03,
        required=False,
    )

    GROUPS = (
        ("remove_background", ()),
        ("white_balance", ("white_balance_strength",)),
        ("exposure", ("exposure_ev",)),
        (
            "relight",
            ("relight_strength", "relight_max_colour_shift"),
        ),
        (
            "background",
            (
                "background_kind",
                "background_colour",
                "gradient_top",
                "gradient_bottom",
                "background_photo",
            ),
        ),
        (
            "shadow",
            (
                "shadow_kind",
                "shadow_from_profile",
                "shadow_angle",
                "shadow_softness",
                "shadow_strength",
                "shadow_distance",
            ),
        ),
    )

    def __init__(self, *args, photos: list[tuple[int, str]] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["preset"]).choices = [
            ("", "None (keep the frame)"),
            *preset_choices(),
        ]
        cast(forms.ChoiceField, self.fields["background_photo"]).choices = [
            ("", "—"),
            *(photos or []),
        ]
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs["class"] = "form-check-input"
            elif isinstance(widget, forms.Select):
                widget.attrs["class"] = "form-select form-select-sm"
            else:
                widget.attrs["class"] = "form-control form-control-sm"

    def groups(self) -> list[dict]:
        """One fieldset per operation, in the pipeline's order (for the template)."""
        return [
            {"toggle": self[toggle], "fields": [self[name] for name in names]}
            for toggle, names in self.GROUPS
        ]

    def _value(self, name: str):
        value = self.cleaned_data.get(name)
        return self.fields[name].initial if value in (None, "") else value

    def clean_exposure_ev(self) -> str | float:
        value = (self.cleaned_data.get("exposure_ev") or "auto").strip().lower()
        if value == "auto":
            return "auto"
        try:
            number = float(value.replace(",", "."))
        except ValueError:
            raise forms.ValidationError(
                "Write a number of stops (e.g. 0.5 or -1) or auto."
            ) from None
        if not -4 <= number <= 4:
            raise forms.ValidationError("Between -4 and +4 stops.")
        return number

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in ("background_colour", "gradient_top", "gradient_bottom"):
            value = data.get(name) or self.fields[name].initial
            try:
                colour.rgb255_of_hex(value)
            except ValueError as error:
                self.add_error(name, str(error))
        return data

    def steps(self) -> list[dict]:
        """The operations as the pipeline takes them."""
        steps: list[dict] = []
        if self.cleaned_data.get("remove_background"):
            steps.append({"op": "remove_background", "params": {}})
        if self.cleaned_data.get("white_balance"):
            steps.append(
                {
                    "op": "white_balance",
                    "params": {"strength": self._value("white_balance_strength")},
                }
            )
        if self.cleaned_data.get("exposure"):
            steps.append({"op": "exposure", "params": {"ev": self.cleaned_data["exposure_ev"]}})
        if self.cleaned_data.get("relight"):
            steps.append(
                {
                    "op": "relight",
                    "params": {
                        "strength": self._value("relight_strength"),
                        "max_colour_shift": self._value("relight_max_colour_shift"),
                    },
                }
            )
        if self.cleaned_data.get("background"):
            kind = self._value("background_kind")
            params: dict = {"kind": kind}
            if kind == "colour":
                params["colour"] = self._value("background_colour")
            elif kind == "gradient":
                params["top"] = self._value("gradient_top")
                params["bottom"] = self._value("gradient_bottom")
            elif kind == "image":
                params["photo_id"] = self.cleaned_data.get("background_photo")
            steps.append({"op": "background", "params": params})
        if self.cleaned_data.get("shadow"):
            params = {
                "kind": self._value("shadow_kind"),
                "softness": self._value("shadow_softness"),
                "distance": self._value("shadow_distance"),
            }
            if self.cleaned_data.get("shadow_from_profile"):
                params["from_profile"] = True
            else:
                params["angle"] = self._value("shadow_angle")
                params["strength"] = self._value("shadow_strength")
            steps.append({"op": "shadow", "params": params})
        return steps

    @classmethod
    def initial_from(cls, name: str, steps: list[dict], preset: str) -> dict:
        """Form initial data from a stored recipe."""
        initial: dict = {"name": name, "preset": preset}
        for step in steps:
            op, params = step["op"], step.get("params", {})
            initial[op] = True
            if op == "white_balance":
                initial["white_balance_strength"] = params.get("strength", 1.0)
            elif op == "exposure":
                initial["exposure_ev"] = params.get("ev", "auto")
            elif op == "relight":
                for key in ("strength", "max_colour_shift"):
                    if key in params:
                        initial[f"relight_{key}"] = params[key]
            elif op == "background":
                initial["background_kind"] = params.get("kind", "white")
                initial["background_colour"] = params.get("colour", "#f4efe6")
                initial["gradient_top"] = params.get("top", "#ffffff")
                initial["gradient_bottom"] = params.get("bottom", "#e9e6e1")
                initial["background_photo"] = params.get("photo_id")
            elif op == "shadow":
                initial["shadow_from_profile"] = bool(params.get("from_profile"))
                for key in ("kind", "angle", "softness", "strength", "distance"):
                    if key in params:
                        initial[f"shadow_{key}"] = params[key]
        return initial


class ReviewDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=ReviewDecision.choices)
    comment = forms.CharField(required=False, max_length=4000, widget=forms.Textarea)
