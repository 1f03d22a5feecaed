//! The palette: every state type and the common Task templates, dragged onto the canvas (or
//! added with Enter or a click, for keyboard users).

use leptos::{ev, prelude::*};

use asl::templates::{PALETTE, PaletteGroup};

use super::Designer;

/// The drag data type that carries a palette item's id.
pub const DRAG_TYPE: &str = "application/x-statehouse-palette";

/// The palette.
#[component]
pub fn Palette(designer: Designer) -> impl IntoView {
    let section = move |group: PaletteGroup, title: &'static str| {
        let items = PALETTE
            .iter()
            .filter(|item| item.group == group)
            .map(|item| {
                let id = item.id;
                let on_drag_start = move |event: ev::DragEvent| {
                    if let Some(transfer) = event.data_transfer() {
                        let _ = transfer.set_data(DRAG_TYPE, id);
                        let _ = transfer.set_data("text/plain", id);
                        transfer.set_effect_allowed("copy");
                    }
                };
                view! {
                    <li>
                        <button
                            type="button"
                            class="palette-item"
                            draggable="true"
                            data-palette=id
                            title="Drag onto the graph, or press to add"
                            on:dragstart=on_drag_start
                            on:click=move |_| designer.add_from_palette(id, None)
                        >
                            {item.label}
                        </button>
                    </li>
                }
            })
            .collect_view();
        view! {
            <h3>{title}</h3>
            <ul>{items}</ul>
        }
    };
    view! {
        <aside class="palette" aria-label="Palette" data-testid="palette">
            {section(PaletteGroup::States, "States")}
            {section(PaletteGroup::Tasks, "Tasks")}
        </aside>
    }
}
