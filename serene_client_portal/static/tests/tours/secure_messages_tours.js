import {registry} from "@web/core/registry";

const tours = registry.category("web_tour.tours");

const openThread = [
  {
    content: "The Clients list counts the client's unread message",
    trigger:
      ".o_list_view .o_data_row:contains('Client Carla') td[name=serene_message_unread_count]:contains('1')",
  },
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
  {
    content: "The client's unread message is counted",
    trigger: ".o_field_widget[name=serene_message_unread_count]:contains('1')",
  },
  {
    content: "Open the secure messages",
    trigger: "button[name=action_client_portal_open_messages]",
    run: "click",
  },
  {
    content: "The client's message is in the thread",
    trigger: ".o_list_view .o_data_row td:contains('Could we move Monday?')",
  },
];

// The note owner reads the client's message and answers it.
tours.add("serene_note_owner_answers_a_message", {
  steps: () => [
    ...openThread,
    {
      content: "Write to the client",
      trigger: ".o_list_button_add",
      run: "click",
    },
    {
      trigger: ".o_field_widget[name=body] textarea",
      run: "edit Yes, Tuesday at 10 works.",
    },
    {
      content: "Send",
      trigger: "button[name=action_send]",
      run: "click",
    },
    {
      content: "Back in the thread, the answer in the note owner's name",
      trigger:
        ".o_list_view .o_data_row:contains('Yes, Tuesday at 10 works.'):contains('Owner Olga')",
    },
  ],
});

// A care-team member reads the thread (the practice does not let the care team answer).
tours.add("serene_care_team_reads_a_message", {
  steps: () => [...openThread],
});
