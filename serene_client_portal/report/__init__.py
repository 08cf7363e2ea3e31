from . import serene_access_letter_report
