"""The biller's configuration as IC's web services (the partner API) see it."""
from billers.models import BillerSetting

CREATE_CUSTOMER = 29  # "RemoteAuthenticationWS - Create Customer"


def creates_customer_on_sign_in(biller):
    """#29 = 1: RemoteAuthentication creates a customer IC does not know. Not set: off."""
    row = (BillerSetting.objects.select_related("setting")
           .filter(biller=biller, setting__setting_id=CREATE_CUSTOMER).first())
    return bool(row and row.typed_value)
