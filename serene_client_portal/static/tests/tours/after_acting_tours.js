import {registry} from "@web/core/registry";

const tours = registry.category("web_tour.tours");

const PDF = "%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n";

// A client uploads a file: the page that comes back puts the focus on the result, which a
// screen reader reads at once (role="status"); the client pages run no script of their own.
tours.add("serene_upload_result_takes_the_focus", {
  steps: () => [
    {
      content: "Choose a file for the ID card request",
      trigger: ".o_serene_item:contains('ID card') input[type=file]",
      run() {
        const transfer = new DataTransfer();
        transfer.items.add(new File([PDF], "id-card.pdf", {type: "application/pdf"}));
        this.anchor.files = transfer.files;
      },
    },
    {
      trigger: ".o_serene_item:contains('ID card') .o_serene_upload_submit",
      run: "click",
      expectUnloadPage: true,
    },
    {
      content: "The result is announced and has the focus",
      trigger:
        ".o_serene_item:contains('ID card') #upload-result[role=status]:contains('your files were received')",
      async run() {
        for (
          let tries = 0;
          document.activeElement !== this.anchor && tries < 50;
          tries++
        ) {
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        if (document.activeElement !== this.anchor) {
          throw new Error(
            `The focus is on ${document.activeElement.outerHTML.slice(0, 80)}`
          );
        }
      },
    },
  ],
});
