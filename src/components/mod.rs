//! The UI's pieces. They read data through hooks and know nothing of where it comes from.

/// `async fn $name() -> AnyView` rendering `$component`, whose code loads after the first
/// render: in the split build a split point (a wasm chunk of its own); otherwise ready at once.
macro_rules! later {
    ($name:ident => $component:ident) => {
        #[cfg(feature = "split")]
        #[leptos::lazy]
        fn $name() -> AnyView {
            view! { <$component /> }.into_any()
        }

        #[cfg(not(feature = "split"))]
        async fn $name() -> AnyView {
            view! { <$component /> }.into_any()
        }
    };
}

pub mod breakdown;
pub mod chart;
pub mod credits;
pub mod estimator;
pub mod forecast;
pub mod period;
pub mod render_queue;
pub mod shell;
pub mod spend;
pub mod stat;
pub mod states;
pub mod usage_chart;
