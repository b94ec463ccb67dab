"""The load's progress while staging: written after the first batch, then at most once a
second (each write is a commit), and always at the end."""
from billers.models import Biller, FileFormat
from ingest import staging
from ingest.models import Load
from tests.support.loadkit import demo  # noqa: F401


def test_progress_is_written_first_then_once_a_second_and_at_the_end(demo, monkeypatch):
    load = Load.objects.create(biller=Biller.objects.get(slug="demo-watersmart"), original_name="a.csv",
                               file_format=FileFormat.objects.get(code="watersmart.invoice"), sha256="0" * 64, size=1)
    clock = [100.0]
    monkeypatch.setattr(staging.time, "monotonic", lambda: clock[0])
    progress = staging.Progress(load)

    def written():
        load.refresh_from_db()
        return load.progress, load.records_count

    progress(1000)
    assert written() == (1000, 1000)
    clock[0] += 0.5
    progress(2000)
    assert written() == (1000, 1000)
    clock[0] += 0.5
    progress(3000)
    assert written() == (3000, 3000)
    progress(3500, final=True)
    assert written() == (3500, 3500)
