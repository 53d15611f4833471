from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from . import sms_templates
from .messages import TEMPLATES

_PAIR = re.compile(r"^\s*([\w.-]+)\s*=\s*(\w+)\s*$")


class TemplateMappingForm(forms.Form):
    provider = forms.ChoiceField(label=_("Provider"), choices=())
    key = forms.ChoiceField(label=_("Kind of message"), choices=())
    code = forms.CharField(label=_("Template code"), max_length=40)
    signature = forms.CharField(
        label=_("Signature"),
        max_length=40,
        required=False,
        help_text=_("Empty: the provider's signature from the configuration file."),
    )
    params = forms.CharField(
        label=_("Parameters"),
        required=False,
        help_text=_(
            "One per line: the provider's name = the message's parameter, e.g. no = tracking_no "
            "(Tencent: 1 = tracking_no)."
        ),
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].choices = list(sms_templates.PROVIDERS.items())
        self.fields["key"].choices = [(key, key) for key in sorted(TEMPLATES)]

    def clean_params(self) -> dict[str, str]:
        pairs = {}
        for line in self.cleaned_data["params"].replace(",", "\n").splitlines():
            if not line.strip():
                continue
            match = _PAIR.match(line)
            if match is None:
                raise forms.ValidationError(
                    _("Write each parameter as name = parameter: %(line)s") % {"line": line.strip()}
                )
            pairs[match[1]] = match[2]
        return pairs
