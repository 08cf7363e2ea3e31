from . import serene_access_letter_report
from . import serene_answers_report
