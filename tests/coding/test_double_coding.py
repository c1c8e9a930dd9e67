"""Blind double coding: who sees what until reveal, settling, reveal, the report page, its .xlsx and the command."""

import io
import json
from fractions import Fraction

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from coding.agreement import report_table
from coding.models import Change, Excerpt
from coding.quotes import selected_excerpts
from coding.review.matrix import matrix
from coding.services import disagreement_settle, double_coding_reveal, double_coding_set, excerpt_create
from planner.models import County, Document, Membership
from planner.services import membership_set, project_create
from tests.conftest import make_user

TEXT = "abcdefghijklmnopqrst" + "\n" + "u" * 29  # 50 characters; the first line is the 20


@pytest.fixture
def study(lead, viewer):
    project = project_create(name="Dobbel", lead=lead)
    kari, ola = make_user("kari"), make_user("ola")
    for user in (kari, ola):
        membership_set(project=project, user=user, role=Membership.Role.ANALYST)
    membership_set(project=project, user=viewer, role=Membership.Role.VIEWER)
    county = County.objects.create(project=project, name="Agder", in_study=True)
    document = Document.objects.create(project=project, kind="transcript", title="Intervju", text=TEXT, county=county)
    theme = project.themes.create(name="Bosetting", colour="#0067A5", position=1)
    other = project.themes.create(name="Tilskudd", colour="#F38400", position=2)
    double_coding = double_coding_set(project=project, documents=[document], coders=[kari, ola], user=lead)[0]
    a = excerpt_create(document=document, start=0, end=8, coder=kari, themes=[theme])
    b = excerpt_create(document=document, start=4, end=12, coder=ola, themes=[theme, other])
    return {"project": project, "document": document, "theme": theme, "other": other, "kari": kari, "ola": ola,
            "lead": lead, "viewer": viewer, "double_coding": double_coding, "a": a, "b": b}


def rows_html(client, s, user):
    client.force_login(user)
    url = reverse("coding:document_code", args=[s["project"].slug, s["document"].pk])
    return client.get(url).content.decode()


def test_it_shows_each_coder_only_their_own_excerpts_until_reveal(client, study):
    s = study
    kari_page = rows_html(client, s, s["kari"])
    assert f'data-excerpt="{s["a"].pk}"' in kari_page and f'data-excerpt="{s["b"].pk}"' not in kari_page
    assert "blind-notice" in kari_page
    ola_page = rows_html(client, s, s["ola"])
    assert f'data-excerpt="{s["b"].pk}"' in ola_page and f'data-excerpt="{s["a"].pk}"' not in ola_page
    assert "data-excerpt" not in rows_html(client, s, s["viewer"])
    lead_page = rows_html(client, s, s["lead"])
    assert f'data-excerpt="{s["a"].pk}"' in lead_page and f'data-excerpt="{s["b"].pk}"' in lead_page
    # The other coder's excerpt cannot be opened, changed or read in the history either.
    client.force_login(s["kari"])
    panel = client.get(reverse("coding:excerpt_panel", args=[s["project"].slug, s["b"].pk])).content.decode()
    assert "finnes ikke lenger" in panel
    client.post(reverse("coding:excerpt_delete", args=[s["project"].slug, s["b"].pk]), {"version": 1})
    assert Excerpt.objects.filter(pk=s["b"].pk).exists()
    history = client.get(reverse("coding:document_history", args=[s["project"].slug, s["document"].pk]))
    assert "ijkl" not in history.content.decode() and history.status_code == 200


def test_review_and_exports_leave_a_blind_document_out_until_reveal(client, study):
    s = study
    theme_ids = [s["theme"].pk, s["other"].pk]
    assert not selected_excerpts(s["project"], theme_ids=theme_ids).exists()
    assert matrix(project=s["project"]).total == 0
    # Each coder counted separately: with one coder chosen, by the lead or that coder themselves.
    assert matrix(project=s["project"], coder=s["kari"], with_blind=True).total == 1
    assert matrix(project=s["project"], coder=s["ola"], count="documents", with_blind=True).total == 1
    assert selected_excerpts(s["project"], theme_ids=theme_ids, coder="ola", with_blind=True).count() == 1
    matrix_url = reverse("coding:matrix", args=[s["project"].slug])
    quotes_url = reverse("coding:theme_collection", args=[s["project"].slug, s["theme"].pk])
    for user, coder, seen in [("kari", "kari", 1), ("lead", "kari", 1), ("ola", "kari", 0), ("viewer", "kari", 0),
                              ("lead", "", 0)]:
        client.force_login(s[user])
        page = client.get(matrix_url, {"coder": coder})
        assert page.context["matrix"].total == seen, (user, coder)
        quotes = client.get(quotes_url, {"coder": coder})
        assert quotes.context["page"].paginator.count == seen, (user, coder)
    double_coding_reveal(double_coding=s["double_coding"], user=s["lead"])
    # Unsettled: the coders disagree on Bosetting, so both excerpts stay; each counts once.
    assert selected_excerpts(s["project"], theme_ids=theme_ids).count() == 2
    assert matrix(project=s["project"]).total == 2


def test_settling_and_reveal_make_one_coding_and_keep_the_report(study):
    s = study
    disagreement_settle(double_coding=s["double_coding"], theme=s["theme"], start=0, end=12, user=s["lead"],
                        consensus=(2, 10))
    # Settling again replaces the decision, and the consensus excerpt goes.
    disagreement_settle(double_coding=s["double_coding"], theme=s["theme"], start=0, end=12, user=s["lead"],
                        kept_coder=s["ola"])
    consensus = disagreement_settle(double_coding=s["double_coding"], theme=s["other"], start=4, end=12,
                                    user=s["lead"], consensus=(5, 9))
    with pytest.raises(ValidationError):
        disagreement_settle(double_coding=s["double_coding"], theme=s["theme"], start=0, end=12, user=s["lead"])
    before = report_table(s["project"], [s["kari"], s["ola"]])
    result = double_coding_reveal(double_coding=s["double_coding"], user=s["lead"])
    assert result["removed"] == 1 and result["trimmed"] == 1
    remaining = {(e.coder.username, e.start, e.end, tuple(sorted(e.codings.values_list("theme__name", flat=True))))
                 for e in Excerpt.objects.filter(document=s["document"])}
    assert remaining == {("ola", 4, 12, ("Bosetting",)), ("leder", 5, 9, ("Tilskudd",))}
    assert consensus.excerpt.start == 5
    after = report_table(s["project"], [s["kari"], s["ola"]])
    assert after.rows[0].counts == before.rows[0].counts
    first = after.rows[0].counts
    assert (first.both, first.only_a, first.only_b) == (4, 4, 4) and first.kappa == before.rows[0].counts.kappa
    actions = list(Change.objects.filter(document=s["document"]).values_list("action", flat=True))
    assert actions.count("settled") == 3 and "revealed" in actions and "double_coding_set" in actions
    # After reveal every member sees the document's coding.
    assert "excerpt_deleted" in actions


def test_it_refuses_a_coder_who_may_not_code(study, viewer):
    with pytest.raises(ValidationError):
        double_coding_set(project=study["project"], documents=[study["document"]], coders=[study["kari"], viewer],
                          user=study["lead"])
    with pytest.raises(ValidationError):
        double_coding_set(project=study["project"], documents=[study["document"]], coders=[study["kari"]],
                          user=study["lead"])


def test_the_report_page_xlsx_and_command_agree(client, study, django_assert_max_num_queries):
    s = study
    client.force_login(s["lead"])
    query = {"coders": ["kari", "ola"]}
    with django_assert_max_num_queries(20):
        page = client.get(reverse("coding:agreement_report", args=[s["project"].slug]), query)
    html = page.content.decode()
    assert "Cohen" in html and "agreement-table" in html
    # Per theme over 50 characters: Bosetting both 4, only A 4, only B 4, neither 38.
    counts = report_table(s["project"], [s["kari"], s["ola"]]).rows[0].counts
    assert counts.kappa == Fraction(17, 42)  # (42/50 − 1828/2500) / (1 − 1828/2500)
    assert (counts.both, counts.only_a, counts.only_b, counts.neither) == (4, 4, 4, 38)
    download = client.get(reverse("coding:agreement_xlsx", args=[s["project"].slug]), query)
    sheet = openpyxl.load_workbook(io.BytesIO(download.content)).active
    rows = list(sheet.values)
    assert rows[1][:5] == ("Bosetting", 4, 4, 4, 38)
    assert rows[2][0] == "Tilskudd" and rows[2][7:9] == ("0.0000", "-0.0761")  # alpha −112/1472: below chance
    out = io.StringIO()
    call_command("agreement", study=s["project"].slug, coders="kari,ola", format="json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["themes"][0]["kappa_exact"] == str(counts.kappa)
    assert data["pooled"]["both"] == 4
    out = io.StringIO()
    call_command("agreement", study=s["project"].slug, coders="kari,ola", stdout=out)
    assert out.getvalue().splitlines()[1].startswith("Bosetting;4;4;4;38;")


def test_the_comparison_settles_and_reveals_through_the_pages(client, study):
    s = study
    client.force_login(s["lead"])
    compare = reverse("coding:double_coding_compare", args=[s["project"].slug, s["document"].pk])
    html = client.get(compare).content.decode()
    assert html.count('class="stretch disagreement"') == 2
    client.post(reverse("coding:disagreement_settle", args=[s["project"].slug, s["document"].pk]),
                {"theme": s["theme"].pk, "start": 0, "end": 12, "choice": "kari"})
    assert "badge ok settled" in client.get(compare).content.decode()
    client.post(reverse("coding:double_coding_reveal", args=[s["project"].slug, s["document"].pk]))
    s["double_coding"].refresh_from_db()
    assert s["double_coding"].is_revealed
    # After reveal the comparison still shows what the coders did; the history tells the settling and the reveal.
    assert client.get(compare).content.decode().count('class="stretch disagreement"') == 2
    history = client.get(reverse("coding:document_history", args=[s["project"].slug, s["document"].pk]))
    assert "Kodere: kari, ola" in history.content.decode() and "beholdt kodingen til kari" in history.content.decode()
    # Ola's excerpt lost Bosetting (Kari's kept) and keeps Tilskudd (unsettled, only Ola used it).
    def coding():
        return sorted(Excerpt.objects.filter(document=s["document"]).values_list("coder__username",
                                                                                 "codings__theme__name"))

    assert coding() == [("kari", "Bosetting"), ("ola", "Tilskudd")]
    # Nobody's undo takes back a piece of the reveal: Ola's undo of her excerpt meets the reveal's change.
    for user in (s["lead"], s["ola"]):
        client.force_login(user)
        client.post(reverse("coding:document_undo", args=[s["project"].slug, s["document"].pk]))
    assert coding() == [("kari", "Bosetting"), ("ola", "Tilskudd")]
    assert f'data-excerpt="{s["a"].pk}"' in rows_html(client, s, s["ola"])


def test_the_comparison_does_not_grow_queries_with_its_stretches(client, study, django_assert_max_num_queries):
    s = study
    client.force_login(s["lead"])
    compare = reverse("coding:double_coding_compare", args=[s["project"].slug, s["document"].pk])
    for n in range(6):
        start = 21 + 4 * n
        excerpt_create(document=s["document"], start=start, end=start + 2, coder=s["kari" if n % 2 else "ola"],
                       themes=[s["theme"]])
        disagreement_settle(double_coding=s["double_coding"], theme=s["theme"], start=start, end=start + 2,
                            user=s["lead"], kept_coder=s["kari"])
    with django_assert_max_num_queries(14):
        html = client.get(compare).content.decode()
    assert html.count('class="stretch disagreement"') == 8 and html.count("badge ok settled") == 6


def test_a_third_coder_adds_alpha_of_all_and_the_command_refuses_strangers(client, study):
    s = study
    per = make_user("per")
    membership_set(project=s["project"], user=per, role=Membership.Role.ANALYST)
    double_coding_set(project=s["project"], documents=[s["document"]], coders=[s["kari"], s["ola"], per],
                      user=s["lead"])
    excerpt_create(document=s["document"], start=0, end=12, coder=per, themes=[s["theme"]])
    table = report_table(s["project"], [s["kari"], s["ola"], per])
    # Units of Bosetting over 50 characters: 4 coded by all three, 8 by two, 38 by none.
    assert table.rows[0].group_alpha == 1 - Fraction(149 * (8 * 2 * 2 * 1 // 2), 2 * 28 * 122)
    client.force_login(s["lead"])
    html = client.get(reverse("coding:agreement_report", args=[s["project"].slug]),
                      {"coders": ["kari", "ola", "per"]}).content.decode()
    assert html.count("<th scope=\"col\" class=\"num\">") == 10
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("agreement", study=s["project"].slug, coders="kari,nobody", stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("agreement", study=s["project"].slug, coders="kari,ola", overlap="2", stdout=io.StringIO())


def test_reveal_keeps_an_archived_theme_an_excerpt_still_has(study):
    s = study
    disagreement_settle(double_coding=s["double_coding"], theme=s["theme"], start=0, end=12, user=s["lead"],
                        kept_coder=s["kari"])
    s["other"].archived = True
    s["other"].save()
    result = double_coding_reveal(double_coding=s["double_coding"], user=s["lead"])
    assert result["trimmed"] == 1
    assert list(s["b"].codings.values_list("theme__name", flat=True)) == ["Tilskudd"]
    s["b"].refresh_from_db()
    assert s["b"].version == 2
