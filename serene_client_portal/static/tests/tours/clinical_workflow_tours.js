import {registry} from "@web/core/registry";

const tours = registry.category("web_tour.tours");

function pickFile(itemName, name, type, content) {
  return {
    content: `Choose ${name}`,
    trigger: `.o_serene_item:contains('${itemName}') input[type=file]`,
    run() {
      const transfer = new DataTransfer();
      transfer.items.add(new File([content], name, {type}));
      this.anchor.files = transfer.files;
    },
  };
}

// The PHQ-9's items (serene.portal.demo._create_phq9), told apart by how each begins.
const PHQ9_ITEMS = [
  "Little interest or pleasure",
  "Feeling down",
  "Trouble falling or staying asleep",
  "Feeling tired",
  "Poor appetite",
  "Feeling bad about yourself",
  "Trouble concentrating",
  "Moving or speaking so slowly",
  "Thoughts that you would be better off dead",
];

const PDF = "%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n";

// On a phone: a packet, a consent to sign, a PHQ-9 with a risk answer, two files to one request.
tours.add("serene_client_packet_on_phone", {
  steps: () => [
    {
      content: "The packet is grouped under its name, with its progress",
      trigger:
        ".o_serene_packet:contains('New client intake') .o_serene_packet_progress:contains('0 of 3 done')",
    },
    {
      trigger:
        ".o_serene_packet .o_serene_item:contains('Consent to treatment') a.o_serene_open_consent",
      run: "click",
      expectUnloadPage: true,
    },
    {
      content: "The consent's text, then Odoo's signature form",
      trigger: ".o_serene_consent_text:contains('I agree to take part in therapy')",
    },
    {
      trigger: ".o_web_sign_name_input",
      run: "edit Carla Client",
    },
    {
      content: "Sign",
      trigger: ".o_portal_sign_submit:enabled",
      run: "click",
      expectUnloadPage: true,
    },
    {
      trigger: ".o_serene_success:contains('your signed consent was sent')",
    },
    {
      trigger: ".o_serene_packet_progress:contains('1 of 3 done')",
    },
    {
      content: "Start the PHQ-9",
      trigger:
        ".o_serene_packet .o_serene_item:contains('PHQ-9') a.o_serene_start_form",
      run: "click",
      expectUnloadPage: true,
    },
    {
      trigger: "button.btn:contains('Start')",
      run: "click",
    },
    ...PHQ9_ITEMS.slice(0, 8).map((item, index) => ({
      content: `Item ${index + 1}: not at all`,
      trigger: `div.js_question-wrapper:contains('${item}') label:contains('Not at all')`,
      run: "click",
    })),
    {
      content: "Item 9: several days (a risk signal)",
      trigger: `div.js_question-wrapper:contains('${PHQ9_ITEMS[8]}') label:contains('Several days')`,
      run: "click",
    },
    {
      trigger: "button[value=finish]",
      run: "click",
    },
    {
      trigger: ".modal-footer button:contains('Submit')",
      run: "click",
    },
    {
      trigger: "a.o_serene_back_to_portal",
      run: "click",
      expectUnloadPage: true,
    },
    {
      trigger: ".o_serene_packet_progress:contains('2 of 3 done')",
    },
    pickFile("Insurance card", "card-front.pdf", "application/pdf", PDF),
    {
      trigger: ".o_serene_item:contains('Insurance card') .o_serene_upload_submit",
      run: "click",
      expectUnloadPage: true,
    },
    {
      content: "The request stays open for the back of the card",
      trigger:
        ".o_serene_item:contains('Insurance card') .o_serene_sent_files:contains('card-front.pdf')",
    },
    pickFile("Insurance card", "card-back.pdf", "application/pdf", PDF),
    {
      trigger: ".o_serene_item:contains('Insurance card') .o_serene_upload_submit",
      run: "click",
      expectUnloadPage: true,
    },
    {
      trigger:
        ".o_serene_item:contains('Insurance card') .o_serene_sent_files:contains('card-back.pdf')",
    },
    {
      trigger: ".o_serene_item:contains('Insurance card') .o_serene_request_done",
      run: "click",
      expectUnloadPage: true,
    },
    {
      content: "All three done: the packet leaves the To do list",
      trigger: ".o_serene_todo:not(:has(.o_serene_packet))",
    },
    {
      trigger:
        ".o_serene_completed .o_serene_completed_item:contains('Insurance card')",
    },
  ],
});

// The note owner's Records page then holds everything, flagged and verified.
tours.add("serene_note_owner_sees_clinical_records", {
  steps: () => [
    {
      content: "Open the client",
      trigger: ".o_list_view .o_data_row td:contains('Client Carla')",
      run: "click",
    },
    {
      trigger: ".o_form_view .o_notebook .nav-link:contains('Client Portal')",
      run: "click",
    },
    {
      content: "The PHQ-9 carries a red flag on the Client Portal page",
      trigger:
        ".o_field_widget[name=portal_item_ids] .o_data_row.text-danger:contains('PHQ-9')",
    },
    {
      trigger: ".o_form_view .o_notebook .nav-link:contains('Records')",
      run: "click",
    },
    {
      content: "The scored PHQ-9 with its red flag, verified",
      trigger:
        ".o_field_widget[name=serene_record_input_ids] .o_data_row:contains('PHQ-9'):contains('Verified'):has(.fa-flag)",
    },
    {
      content: "The scored PDF for the chart",
      trigger:
        ".o_field_widget[name=serene_record_input_ids] .o_data_row:contains('PHQ-9') button[name=action_serene_print_pdf]",
    },
    {
      content: "The signed consent, verified",
      trigger:
        ".o_field_widget[name=serene_record_attachment_ids] .o_data_row:contains('Signed consent - Consent to treatment'):contains('Verified')",
    },
    {
      trigger:
        ".o_field_widget[name=serene_record_attachment_ids] .o_data_row:contains('card-front.pdf'):contains('Verified')",
    },
    {
      trigger:
        ".o_field_widget[name=serene_record_attachment_ids] .o_data_row:contains('card-back.pdf'):contains('Verified')",
    },
    {
      content: "Nothing was changed after it was sealed",
      trigger:
        ".o_form_view:not(:has(.o_field_widget[name=serene_record_attachment_ids] .o_data_row:contains('Changed')))",
    },
  ],
});
