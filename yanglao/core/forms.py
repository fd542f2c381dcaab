"""Forms look like Tabler forms, and a DomainError lands on the fields it names."""

from __future__ import annotations

from django import forms

from .errors import DomainError


class StyledFormMixin:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.apply_styles()

    def apply_styles(self) -> None:
        """Tabler classes on every widget; call again after adding fields."""
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, (forms.Select, forms.SelectMultiple)):
                css = "form-select"
            else:
                css = "form-control"
            if css not in widget.attrs.get("class", "").split():
                widget.attrs["class"] = (widget.attrs.get("class", "") + " " + css).strip()

    def full_clean(self):
        super().full_clean()
        self._mark_invalid()

    def _mark_invalid(self) -> None:
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                if "is-invalid" not in widget.attrs.get("class", ""):
                    widget.attrs["class"] = widget.attrs.get("class", "") + " is-invalid"

    def add_domain_error(self, error: DomainError) -> None:
        """Put each message of ``error`` on its field (or on the form)."""
        if not error.fields:
            self.add_error(None, error.message)
            return
        for name, messages in error.fields.items():
            target = name.split(".")[0]
            for message in messages:
                self.add_error(target if target in self.fields else None, message)
        self._mark_invalid()


class StyledForm(StyledFormMixin, forms.Form):
    pass


class DateInput(forms.DateInput):
    """The browser's date picker, which needs ISO dates whatever the language."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")
