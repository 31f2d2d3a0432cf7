//! The UI's pieces. They read data through hooks and know nothing of where it comes from.

/// `$name().await` renders `$component`, whose code is fetched when it is first shown (a
/// [`split_point!`]).
macro_rules! later {
    ($name:ident => $component:ident) => {
        split_point! {
            fn $name() -> AnyView {
                view! { <$component /> }.into_any()
            }
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
pub mod ui;
pub mod usage_chart;
