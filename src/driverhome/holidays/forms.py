from django import forms
from django.utils.translation import gettext_lazy as _

LINES_HELP = _("One date or span a line, then the festival: 2027-02-05~2027-02-11 春节")


class YearForm(forms.Form):
    notice = forms.CharField(
        label=_("Notice"),
        max_length=200,
        required=False,
        help_text=_("The State Council notice's reference, e.g. 国办发明电〔2026〕7号"),
    )
    holidays = forms.CharField(
        label=_("Holidays"), widget=forms.Textarea(attrs={"rows": 8}), help_text=LINES_HELP
    )
    workdays = forms.CharField(
        label=_("Make-up working days"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_("Weekend days worked instead, one a line: 2027-02-14 春节"),
    )


class ImportForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    notice = forms.CharField(label=_("Notice"), max_length=200, required=False)
    file = forms.FileField(
        label=_("Calendar file"),
        help_text=_("CSV or .xlsx with the columns date, kind (holiday/workday or 休/班), name"),
    )
