"""19.0.1.3.0, before the data loads.

1. The groups, their privilege and the record rules are no longer noupdate, so that each
upgrade brings them as the addon defines them. Odoo keeps the noupdate flag of an external id as
it was first loaded, whatever the file says later: the flag is cleared here, before the data loads.

2. The PHQ-9 and GAD-7 moved from the demo to the data, with an XML id on each
question, answer and band (their translations name them). A database that has the demo's PHQ-9,
built in code with an XML id on the survey only, gets those ids on its records before the data
file loads: the instrument is recognised, not created a second time. Both stay noupdate.

In SQL: before the data loads, the addon's models are not in the registry yet.
"""

from odoo.tools import SQL

MODULE = "serene_client_portal"
PREFIX = "survey_assessment_phq9"


def _ids(cr, query):
    cr.execute(query)
    return [row[0] for row in cr.fetchall()]


def _name_the_demo_phq9(cr):
    survey_ids = _ids(
        cr,
        SQL(
            "SELECT res_id FROM ir_model_data WHERE module = %s AND name = %s AND model = 'survey.survey'",
            MODULE,
            PREFIX,
        ),
    )
    if not survey_ids:
        return
    rows = []
    questions = _ids(
        cr,
        SQL(
            "SELECT id FROM survey_question WHERE survey_id = %s AND is_page IS NOT TRUE ORDER BY sequence, id",
            survey_ids[0],
        ),
    )
    for number, question_id in enumerate(questions, 1):
        rows.append((f"{PREFIX}_q{number}", "survey.question", question_id))
        answers = _ids(
            cr, SQL("SELECT id FROM survey_question_answer WHERE question_id = %s ORDER BY sequence, id", question_id)
        )
        rows += [(f"{PREFIX}_q{number}_a{score}", "survey.question.answer", a) for score, a in enumerate(answers)]
    bands = _ids(
        cr, SQL("SELECT id FROM serene_severity_band WHERE survey_id = %s ORDER BY sequence, id", survey_ids[0])
    )
    rows += [(f"{PREFIX}_band_{number}", "serene.severity.band", b) for number, b in enumerate(bands, 1)]
    for name, model, res_id in rows:
        cr.execute(
            SQL(
                """INSERT INTO ir_model_data (module, name, model, res_id, noupdate)
                   VALUES (%s, %s, %s, %s, TRUE) ON CONFLICT DO NOTHING""",
                MODULE,
                name,
                model,
                res_id,
            )
        )


def _security_follows_the_addon(cr):
    cr.execute(
        """
        UPDATE ir_model_data
           SET noupdate = false
         WHERE module = 'serene_client_portal'
           AND model IN ('res.groups', 'res.groups.privilege', 'ir.rule')
           AND noupdate
        """
    )


def migrate(cr, version):
    _security_follows_the_addon(cr)
    _name_the_demo_phq9(cr)
