"""cases.services.attachments.attach_report_photo: a photo that arrives after its report (the phone app sends
photos one by one) is attached to the report's timeline row, stripped of EXIF; only the reporter may add one."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from gridgov.cases.models import CaseAttachment
from gridgov.cases.photos import check_photo
from gridgov.cases.services.attachments import attach_report_photo

from .case_factories import CaseCity, jpeg_with_gps


def test_a_late_photo_joins_the_report_event(cc: CaseCity) -> None:
    case = cc.report()
    attachment = attach_report_photo(case, photo=check_photo(jpeg_with_gps()), by=cc.users["worker"])
    assert attachment.case_id == case.pk
    assert attachment.event is not None and attachment.event.action == "report"
    assert attachment.uploaded_by == cc.users["worker"]
    assert b"PhoneMaker" not in attachment.file.read()


def test_only_the_reporter_may_add_a_photo_to_a_report(cc: CaseCity) -> None:
    case = cc.report()
    with pytest.raises(PermissionDenied):
        attach_report_photo(case, photo=check_photo(jpeg_with_gps()), by=cc.users["community"])
    assert not CaseAttachment.objects.exists()
