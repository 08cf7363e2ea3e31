import {NameAndSignature} from "@web/core/signature/name_and_signature";

/**
 * The portal's consent page (the only page that loads this bundle): Odoo's signature pad with
 * its icon buttons named for a screen reader (name_and_signature.xml).
 */
NameAndSignature.template = "serene_client_portal.NameAndSignature";
