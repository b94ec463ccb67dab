"""Every call of the partner API as an ApiCall row, passwords and tokens masked."""
import functools
import json
import time

from django.utils import timezone

from api.models import ApiCall
from billers.models import Biller

SECRET_FIELDS = {"Password", "SessionToken", "RedirectUrl"}
MASK = "***"


def mask(body):
    """The JSON text with secret fields masked; a body that is not JSON is not kept."""
    if not body:
        return ""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return f"<not JSON: {len(body)} bytes>"
    return json.dumps(masked(data), ensure_ascii=False)


def masked(data):
    if isinstance(data, dict):
        return {k: MASK if k in SECRET_FIELDS and v else masked(v) for k, v in data.items()}
    if isinstance(data, list):
        return [masked(v) for v in data]
    return data


def record_call(view):
    """Wrap a view of the partner API so that each call is logged, whatever its answer."""

    @functools.wraps(view)
    def logged(request, *args, **kwargs):
        started = time.monotonic()
        body = request.body
        response = view(request, *args, **kwargs)
        key = getattr(request, "api_key", None)
        slug = kwargs.get("slug", "")
        ApiCall.objects.create(
            at=timezone.now(), biller_slug=slug[:60], key=key,
            biller=Biller.objects.filter(slug=slug).first(),
            operation=request.resolver_match.url_name or "", status=response.status_code,
            latency_ms=round((time.monotonic() - started) * 1000),
            request=mask(body), response=mask(getattr(response, "content", b"")))
        return response

    return logged
