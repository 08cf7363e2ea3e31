import {registry} from "@web/core/registry";

const tours = registry.category("web_tour.tours");

// The note owner confirms a session a client booked from the portal, on the session's form.
tours.add("serene_note_owner_confirms_a_booking", {
  steps: () => [
    {
      content: "The session waits for the practitioner",
      trigger:
        ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains('Waiting for approval')",
    },
    {
      content: "Confirm the booking",
      trigger: ".o_form_view button[name=action_serene_confirm_booking]",
      run: "click",
    },
    {
      content: "The request is answered: no buttons left to answer it",
      trigger: ".o_form_view:not(:has(button[name=action_serene_confirm_booking]))",
    },
  ],
});
