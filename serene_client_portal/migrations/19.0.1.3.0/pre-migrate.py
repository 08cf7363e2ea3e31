"""19.0.1.3.0: the groups, their privilege and the record rules are no longer noupdate, so that each
upgrade brings them as the addon defines them. Odoo keeps the noupdate flag of an external id as
it was first loaded, whatever the file says later: the flag is cleared here, before the data loads."""


def migrate(cr, version):
    cr.execute(
        """
        UPDATE ir_model_data
           SET noupdate = false
         WHERE module = 'serene_client_portal'
           AND model IN ('res.groups', 'res.groups.privilege', 'ir.rule')
           AND noupdate
        """
    )
