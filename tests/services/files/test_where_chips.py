"""The command line's ``--where`` and the Pipeline's chips count the same leads: a chip group
may be named (``stage=qualified``) and filters by the chip's own condition."""

from __future__ import annotations

import pytest

from portal_desktop.db.list_queries import PIPELINE
from portal_desktop.db.pipeline_queries import stage_counts
from portal_desktop.errors import ValidationError
from portal_desktop.models.enums import LeadStatus
from portal_desktop.services.common.context import SYSTEM
from portal_desktop.services.files.export_where import parse_where
from portal_desktop.services.files.exports import export_list
from tests.services.factories import make_lead, make_student

NY = None


def test_stage_on_the_command_line_is_the_chip_and_status_is_the_stored_status(
    sessions, tmp_path
) -> None:
    with sessions() as session:
        for _ in range(3):
            make_lead(session, status=LeadStatus.QUALIFIED)
        converted = make_lead(session, status=LeadStatus.QUALIFIED)
        make_student(session, lead_id=converted.id)  # became a student: stage Converted
        make_lead(session, status=LeadStatus.NEW)
        session.commit()

    def exported(where: str) -> int:
        query = PIPELINE.query().with_filters(parse_where(PIPELINE, where, NY))
        with sessions() as session:
            return export_list(session, SYSTEM, query, tmp_path / "leads.csv")

    with sessions() as session:
        chips = stage_counts(session, PIPELINE.query())
    assert exported("stage=qualified") == chips["QUALIFIED"] == 3  # what the chip says
    assert exported("status=QUALIFIED") == 4  # the stored status: the converted lead too
    assert exported("stage=converted") == chips["CONVERTED"] == 1
    assert exported("stage!=qualified") == 2
    for bad, words in (("stage=won", "'won' is not a stage"), ("stage>new", "takes = or !=")):
        with pytest.raises(ValidationError, match=words):
            parse_where(PIPELINE, bad, NY)
    with pytest.raises(ValidationError, match=r"use name, .*stage"):
        parse_where(PIPELINE, "nope=1", NY)
