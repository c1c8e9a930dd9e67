"""LongSelect writes the options of a long select in Python (issue 15): the same markup as Django's Select."""

import pytest
from django import forms

from planner.forms import LongSelect

CHOICES = [("", "–"), ("1", "Informant 1"), ("2", 'Leder <b>"A&B"</b>'), (3, "Intervjuer"), ("new", "Ny")]


@pytest.mark.parametrize("value", [None, "", "2", 3, "new", "missing", ["1", "2"]])
@pytest.mark.parametrize("attrs", [None, {"id": "id_p", "required": True, "data-x": 'a"b', "disabled": False}])
def test_it_writes_what_select_writes(value, attrs):
    assert LongSelect(choices=CHOICES).render("participant", value, attrs) == forms.Select(
        choices=CHOICES).render("participant", value, attrs)


def test_it_writes_what_select_writes_in_a_bound_form():
    class Form(forms.Form):
        fast = forms.ChoiceField(choices=CHOICES, widget=LongSelect)
        slow = forms.ChoiceField(choices=CHOICES)

    form = Form({"fast": "2", "slow": "2"})
    assert str(form["fast"]).replace("fast", "slow") == str(form["slow"])


def test_it_leaves_groups_to_select():
    choices = [("Gruppe", [("1", "En"), ("2", "To")]), ("3", "Tre")]
    assert LongSelect(choices=choices).render("g", "2") == forms.Select(choices=choices).render("g", "2")
