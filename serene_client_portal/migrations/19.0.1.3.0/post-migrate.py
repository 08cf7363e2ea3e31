"""19.0.1.3.0: forms given through a client portal are never passed or failed. Answers stored
before the upgrade lose their "passed" mark, so that the client's contact shows no Certification
button for a depression screening."""

from odoo.tools import SQL


def migrate(cr, version):
    cr.execute(
        SQL(
            "UPDATE survey_user_input SET scoring_success = FALSE"
            " WHERE serene_item_id IS NOT NULL AND scoring_success IS TRUE"
        )
    )
