from . import serene_access_letter_report
from . import serene_answers_report
from . import serene_signed_consent_report
from . import serene_portal_messages_report
