from odoo import models


class MailTemplate(models.Model):
    _inherit = "mail.template"

    def _render_template(self, template_src, model, res_ids, engine="inline_template", add_context=None, options=None):
        """With ``serene_record_context`` ({res_id: context values}) in the context, each record
        is rendered with its own values in ``ctx``, exactly as ``send_mail`` called for it alone
        with that context: one ``send_mail_batch`` sends many clients their portal email, each
        with its own fresh link (``serene.client.portal._send_access_links``)."""
        record_context = self.env.context.get("serene_record_context")
        if not record_context:
            return super()._render_template(
                template_src, model, res_ids, engine=engine, add_context=add_context, options=options
            )
        rendered = {}
        for res_id in res_ids:
            rendered.update(
                super(MailTemplate, self.with_context(**record_context[res_id]))._render_template(
                    template_src, model, [res_id], engine=engine, add_context=add_context, options=options
                )
            )
        return rendered
