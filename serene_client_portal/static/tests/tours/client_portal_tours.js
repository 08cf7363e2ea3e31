import {registry} from "@web/core/registry";

const tours = registry.category("web_tour.tours");

const openCarla = [
  {
    content: "Open the client's contact form from the Clients list",
    trigger: ".o_list_view .o_data_row td:contains('Client Carla')",
    run: "click",
  },
  {
    content: "Jump to the Client Portal section",
    trigger: ".o_form_view .o_notebook .nav-link:contains('Client Portal')",
    run: "click",
  },
];

// A therapist signs in and opens a client's contact form.
tours.add("serene_therapist_opens_client", {
  steps: () => [
    ...openCarla,
    {
      content: "The section is there, with its header",
      trigger:
        ".o_serene_portal_header:contains('Secure portal management for client access')",
    },
  ],
});

// The note owner's flow, from no portal to a green activity panel.
tours.add("serene_note_owner_adds_items", {
  steps: () => [
    ...openCarla,
    {
      content: "No portal yet: the guide's message",
      trigger:
        ".o_serene_portal_not_setup:contains('Client portal is not yet set up for Client Carla. A portal will be automatically created when you add items.')",
    },
    {
      content: "View is disabled while there is no portal",
      trigger: "button.o_serene_portal_view:disabled",
    },
    {
      content: "Open the Add Item dialog",
      trigger: "button.o_serene_portal_add:enabled",
      run: "click",
    },
    {
      content: "Pick an intake form from the library",
      trigger: ".modal .o_field_widget[name=survey_ids] input",
      run: "edit Intake Basics",
    },
    {
      trigger: ".o-autocomplete--dropdown-item:contains('Intake Basics')",
      run: "click",
    },
    {
      content: "Add a link",
      trigger: ".modal .o_field_widget[name=line_ids] .o_field_x2many_list_row_add a",
      run: "click",
    },
    {
      trigger: ".modal .o_data_row .o_field_widget[name=line_type] input",
      run: "click",
    },
    {
      trigger: ".o_select_menu_item:contains('Link')",
      run: "click",
    },
    {
      trigger: ".modal .o_data_row .o_field_widget[name=name] input",
      run: "edit Breathing exercise",
    },
    {
      trigger: ".modal .o_data_row .o_field_widget[name=url] input",
      run: "edit https://example.com/breathe",
    },
    {
      content: "Add to the portal",
      trigger: ".modal button[name=action_add]",
      run: "click",
    },
    {
      content: "The portal was created: the green activity message shows",
      trigger:
        ".o_serene_activity_active:contains('2 new items added to the portal just now')",
    },
    {
      content: "Both items are listed",
      trigger:
        ".o_field_widget[name=portal_item_ids] .o_data_row:contains('Breathing exercise')",
    },
    {
      content: "View is now enabled: open the preview",
      trigger: "button.o_serene_portal_view:enabled",
      run: "click",
    },
    {
      trigger:
        ".o_field_widget[name=portal_item_ids] .o_data_row:contains('Intake Basics')",
    },
  ],
});

// A care-team member sees the portal and its activity, and can change nothing.
tours.add("serene_team_member_read_only", {
  steps: () => [
    ...openCarla,
    {
      content: "The activity panel shows",
      trigger: ".o_serene_activity_active",
    },
    {
      content: "Add is disabled, with the reason on hover",
      trigger:
        'span[title="Only the client\'s note owner can add items to the portal."] button.o_serene_portal_add:disabled',
    },
    {
      content: "View works for the care team",
      trigger: "button.o_serene_portal_view:enabled",
    },
    {
      content: "No remove button on items",
      trigger:
        ".o_field_widget[name=portal_item_ids]:not(:has(button[name=action_remove]))",
    },
  ],
});

// A client opens their link, completes an intake form and uploads a document.
tours.add("serene_client_visit", {
  steps: () => [
    {
      content: "The portal opens on its To do list",
      trigger: ".o_serene_todo h2:contains('To do')",
    },
    {
      content: "Start the intake form",
      trigger: ".o_serene_item:contains('Intake Basics') a.o_serene_start_form",
      run: "click",
      expectUnloadPage: true,
    },
    {
      trigger: "button.btn:contains('Start')",
      run: "click",
    },
    {
      content: "Answer with text that must stay text",
      trigger: "div.js_question-wrapper:contains('How are you feeling') input",
      run() {
        this.anchor.value = '"><svg onload=alert(1)>';
        this.anchor.dispatchEvent(new Event("input", {bubbles: true}));
        this.anchor.dispatchEvent(new Event("change", {bubbles: true}));
      },
    },
    {
      trigger: "button[value=finish]",
      run: "click",
    },
    {
      content: "Confirm the submission",
      trigger: ".modal-footer button:contains('Submit')",
      run: "click",
    },
    {
      content: "Back to the portal, with a confirmation",
      trigger: "a.o_serene_back_to_portal",
      run: "click",
      expectUnloadPage: true,
    },
    {
      trigger: ".o_serene_success:contains('your form was sent')",
    },
    {
      content: "Choose a file for the requested document",
      trigger: ".o_serene_item:contains('ID card') input[type=file]",
      run() {
        const pdf =
          "%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n";
        const transfer = new DataTransfer();
        transfer.items.add(new File([pdf], "id-card.pdf", {type: "application/pdf"}));
        this.anchor.files = transfer.files;
      },
    },
    {
      trigger: ".o_serene_item:contains('ID card') .o_serene_upload_submit",
      run: "click",
      expectUnloadPage: true,
    },
    {
      content:
        "The request stays open for more files until the client says it is complete",
      trigger:
        ".o_serene_item:contains('ID card') .o_serene_sent_files:contains('id-card.pdf')",
    },
    {
      trigger: ".o_serene_item:contains('ID card') .o_serene_request_done",
      run: "click",
      expectUnloadPage: true,
    },
    {
      content: "Both are under Completed",
      trigger: ".o_serene_completed .o_serene_completed_item:contains('ID card')",
    },
    {
      trigger: ".o_serene_completed .o_serene_completed_item:contains('Intake Basics')",
    },
  ],
});

// The note owner then finds the answers in Records and a green panel.
tours.add("serene_note_owner_sees_records", {
  steps: () => [
    ...openCarla,
    {
      trigger: ".o_serene_activity_active",
    },
    {
      trigger: ".o_form_view .o_notebook .nav-link:contains('Records')",
      run: "click",
    },
    {
      content: "The completed form is in Records",
      trigger:
        ".o_field_widget[name=serene_record_input_ids] .o_data_row:contains('Intake Basics')",
    },
    {
      content: "The uploaded document is in Records",
      trigger:
        ".o_field_widget[name=serene_record_attachment_ids]:contains('id-card.pdf')",
    },
    {
      content: "Markup typed by a client stays text in the backend",
      trigger: ".o_form_view .o_notebook .nav-link:contains('Client Portal')",
      run: "click",
    },
    {
      trigger:
        ".o_field_widget[name=portal_item_ids] td:contains('\"><svg onload=alert(1)>')",
      run() {
        if (document.querySelector(".o_form_view svg[onload]")) {
          throw new Error("an svg element was injected into the backend");
        }
      },
    },
  ],
});

tours.add("serene_resend_link_without_email", {
  steps: () => [
    {
      trigger: ".o_data_row:contains('Client Carla') .o_data_cell",
      run: "click",
    },
    {
      trigger: ".o_form_view .o_notebook .nav-link:contains('Client Portal')",
      run: "click",
    },
    {
      content: "Resend the link while the practice's emails are off",
      trigger: "button[name=action_client_portal_resend_link]",
      run: "click",
    },
    {
      content: "A link shown on screen asks for the password first",
      trigger: ".modal .o_field_widget[name=password] input",
      run: "edit t_ownerx",
    },
    {
      trigger: ".modal button#password_confirm",
      run: "click",
    },
    {
      content: "The dialog says why nothing was sent",
      trigger: ".modal .modal-title:contains('No message was sent to Client Carla')",
    },
    {
      trigger: ".modal li:contains('Email notifications are turned off')",
    },
    {
      content: "and hands over the new link to copy",
      trigger: ".modal input.o_serene_link_to_copy",
      run() {
        if (!this.anchor.value.includes("/portal/")) {
          throw new Error("no portal link to copy: " + this.anchor.value);
        }
      },
    },
    {
      trigger: ".modal .o_clipboard_button, .modal button:contains('Copy')",
    },
    {
      trigger: ".modal .modal-footer button:contains('Close')",
      run: "click",
    },
    {
      trigger: "body:not(:has(.modal))",
    },
  ],
});

// A client's email routes their portal links: changing it asks for the password first, then saves.
tours.add("serene_contact_change_asks_password", {
  steps: () => [
    {
      trigger: ".o_data_row:contains('Client Carla') .o_data_cell",
      run: "click",
    },
    {
      trigger: ".o_form_view .o_field_widget[name=email] input",
      run: "edit carla.new@example.com",
    },
    {
      trigger: ".o_form_button_save",
      run: "click",
    },
    {
      content: "Saving says why the password is needed",
      trigger: ".modal:contains('Confirm your password before changing a client')",
    },
    {
      trigger: ".modal button:contains('Confirm Password')",
      run: "click",
    },
    {
      content: "Odoo's own password prompt",
      trigger: ".modal .o_field_widget[name=password] input",
      run: "edit t_ownerx",
    },
    {
      trigger: ".modal button#password_confirm",
      run: "click",
    },
    {
      trigger: ".o_notification:contains('Password confirmed')",
    },
    {
      content: "The change was kept in the form: save it again",
      trigger:
        ".o_form_view .o_field_widget[name=email] input:value(carla.new@example.com)",
    },
    {
      trigger: ".o_form_button_save",
      run: "click",
    },
    {
      trigger: ".o_form_view:not(:has(.o_form_button_save:visible))",
    },
  ],
});

// A practice manager (not an administrator) lands on every client of the practice and
// changes a portal setting from the Practice app.
tours.add("serene_manager_changes_a_setting", {
  steps: () => [
    {
      content:
        "The Clients list shows the practice's clients, not only the manager's own",
      trigger: ".o_list_view .o_data_row td:contains('Client Carla')",
    },
    {
      content: "Open Configuration",
      trigger:
        "button[data-menu-xmlid='serene_client_portal.serene_configuration_menu']",
      run: "click",
    },
    {
      content: "Open Portal Settings",
      trigger: "a[data-menu-xmlid='serene_client_portal.serene_portal_settings_menu']",
      run: "click",
    },
    {
      content: "Change how long new links stay valid",
      trigger:
        ".o_form_view .o_field_widget[name=serene_portal_link_expiry_days] input",
      run: "edit 45",
    },
    {
      content: "Save (Odoo reloads the page once a company is saved)",
      trigger: ".o_form_button_save",
      run: "click",
      expectUnloadPage: true,
    },
    {
      content: "Saved: the form shows the new value after the reload",
      trigger:
        ".o_form_view .o_field_widget[name=serene_portal_link_expiry_days] input:value(45)",
    },
  ],
});

// A practice manager (not an administrator) opens the portal's emails from Portal Settings
// and rewords one.
tours.add("serene_manager_rewords_an_email", {
  steps: () => [
    {
      content: "Open Configuration",
      trigger:
        "button[data-menu-xmlid='serene_client_portal.serene_configuration_menu']",
      run: "click",
    },
    {
      content: "Open Portal Settings",
      trigger: "a[data-menu-xmlid='serene_client_portal.serene_portal_settings_menu']",
      run: "click",
    },
    {
      content: "Open the portal's emails",
      trigger: ".o_form_view button.o_serene_mail_templates",
      run: "click",
    },
    {
      content: "Open the identity code's email",
      trigger: ".o_list_view .o_data_row td:contains('Client Portal: identity code')",
      run: "click",
    },
    {
      content: "Reword its subject",
      trigger: ".o_form_view .o_field_widget[name=subject] input",
      run: "edit Your portal code from {{ object.company_id.name }}",
    },
    {
      content: "Save",
      trigger: ".o_form_button_save",
      run: "click",
    },
    {
      content: "Saved",
      trigger: ".o_form_view:not(:has(.o_form_button_save:visible))",
    },
  ],
});
