"""Date and time formats of the portal (FORMAT_MODULE_PATH): ISO dates, 24-hour times, and
every date-time with its zone's name, so that no time is shown unlabelled."""
DATE_FORMAT = "Y-m-d"
SHORT_DATE_FORMAT = "Y-m-d"
DATETIME_FORMAT = "Y-m-d H:i:s T"
SHORT_DATETIME_FORMAT = "Y-m-d H:i T"
TIME_FORMAT = "H:i:s"
