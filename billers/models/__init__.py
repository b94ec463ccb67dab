from billers.models.bif import BifCustomization, BifFeature, BifSource
from billers.models.biller import Biller, Integration
from billers.models.formats import BillerFileFormat, Direction, FileFormat
from billers.models.operations import AutoApprovalRule, Cadence, ExpectedFile
from billers.models.reference import IntegrationModification, PortalRedirect, WebService
from billers.models.settings import AdvancedSetting, BillerSetting, ValueType

__all__ = [
    "AdvancedSetting", "AutoApprovalRule", "BifCustomization", "BifFeature", "BifSource", "Biller",
    "BillerFileFormat", "BillerSetting", "Cadence", "Direction", "ExpectedFile", "FileFormat", "Integration",
    "IntegrationModification", "PortalRedirect", "ValueType",
    "WebService",
]
