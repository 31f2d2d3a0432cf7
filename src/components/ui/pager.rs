//! The pager: previous, page numbers and next, each a link so a page has a URL; which numbers
//! it shows is a pure function beside it.

use leptos::prelude::*;

/// A link in the pager: a page number, or a gap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageLink {
    Page(u32),
    Gap,
}

/// The page numbers a pager shows: the first, the last, and two either side of the current
/// one, with gaps between (`1 … 4 5 [6] 7 8 … 20`).
pub fn page_window(current: u32, pages: u32) -> Vec<PageLink> {
    let pages = pages.max(1);
    let current = current.clamp(1, pages);
    let mut out = Vec::new();
    let mut last = 0;
    for p in 1..=pages {
        let near = p.abs_diff(current) <= 2;
        if p == 1 || p == pages || near {
            if last != 0 && p > last + 1 {
                // A gap of one page is shown as that page, not as "…".
                if p == last + 2 {
                    out.push(PageLink::Page(last + 1));
                } else {
                    out.push(PageLink::Gap);
                }
            }
            out.push(PageLink::Page(p));
            last = p;
        }
    }
    out
}

/// Previous, page numbers, next; each a link (its address from `href`), so a page has a URL.
#[component]
pub fn Pager(
    /// The page shown, from 1.
    #[prop(into)]
    current: Signal<u32>,
    /// How many pages there are.
    #[prop(into)]
    pages: Signal<u32>,
    /// The address of a page.
    #[prop(into)]
    href: Callback<u32, String>,
) -> impl IntoView {
    let links = move || {
        let current = current.get();
        page_window(current, pages.get())
            .into_iter()
            .map(|l| match l {
                PageLink::Gap => view! { <li class="gap" aria-hidden="true">"…"</li> }.into_any(),
                PageLink::Page(p) => view! {
                    <li>
                        <a
                            href=href.run(p)
                            data-noscroll
                            aria-label=format!("Page {p}")
                            aria-current=(p == current).then_some("page")
                        >
                            {p}
                        </a>
                    </li>
                }
                .into_any(),
            })
            .collect_view()
    };
    view! {
        <nav class="pager" aria-label="Pages" data-testid="pager">
            <a
                class="button"
                href=move || (current.get() > 1).then(|| href.run(current.get() - 1))
                aria-disabled=move || (current.get() <= 1).to_string()
                data-noscroll
                rel="prev"
            >
                "Previous"
            </a>
            <ol>{links}</ol>
            <a
                class="button"
                href=move || (current.get() < pages.get()).then(|| href.run(current.get() + 1))
                aria-disabled=move || (current.get() >= pages.get()).to_string()
                data-noscroll
                rel="next"
            >
                "Next"
            </a>
            <span class="muted">{move || format!("Page {} of {}", current.get(), pages.get())}</span>
        </nav>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pager_shows_the_ends_and_the_neighbourhood() {
        use PageLink::{Gap, Page};
        assert_eq!(page_window(1, 1), vec![Page(1)]);
        assert_eq!(page_window(1, 0), vec![Page(1)]);
        assert_eq!(
            page_window(6, 20),
            vec![
                Page(1),
                Gap,
                Page(4),
                Page(5),
                Page(6),
                Page(7),
                Page(8),
                Gap,
                Page(20)
            ]
        );
        assert_eq!(
            page_window(1, 7),
            vec![Page(1), Page(2), Page(3), Gap, Page(7)]
        );
        // One missing page is shown rather than hidden behind "…".
        assert_eq!(page_window(4, 7), (1..=7).map(Page).collect::<Vec<_>>());
        assert_eq!(page_window(99, 5).last(), Some(&Page(5)));
    }
}
