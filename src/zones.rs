//! Timezone offsets from the browser's `Intl`, which carries the IANA database: the app does
//! not download its own copy (a third of the wasm). The domain probes this source a year at
//! a time and caches what it learns (see `creditboard_domain::tz`).

use creditboard_domain::tz::{ZoneSource, install_zone_source};
use std::cell::RefCell;
use std::collections::HashMap;
use wasm_bindgen::{JsCast, JsValue};

/// Offsets read from `Intl.DateTimeFormat`.
pub struct IntlZones;

/// Makes every IANA zone the browser knows available to the domain. Call once at start-up
/// (calling again does nothing).
pub fn install() {
    install_zone_source(&IntlZones);
}

thread_local! {
    /// One formatter per zone (building one costs far more than using it); `None` for names
    /// the browser refused.
    static FORMATTERS: RefCell<HashMap<String, Option<js_sys::Intl::DateTimeFormat>>> =
        RefCell::new(HashMap::new());
}

fn with_formatter<T>(
    zone: &str,
    f: impl FnOnce(&js_sys::Intl::DateTimeFormat) -> Option<T>,
) -> Option<T> {
    FORMATTERS.with(|cache| {
        let mut cache = cache.borrow_mut();
        let formatter = cache
            .entry(zone.to_string())
            .or_insert_with(|| new_formatter(zone));
        formatter.as_ref().and_then(f)
    })
}

/// `new Intl.DateTimeFormat("en-US", {timeZone, hourCycle: "h23", …numeric parts})`, or
/// `None` when the browser does not know the zone (the constructor throws a RangeError).
fn new_formatter(zone: &str) -> Option<js_sys::Intl::DateTimeFormat> {
    let options = js_sys::Object::new();
    let set = |k: &str, v: &str| {
        js_sys::Reflect::set(&options, &JsValue::from_str(k), &JsValue::from_str(v)).ok()
    };
    set("timeZone", zone)?;
    set("hourCycle", "h23")?;
    for part in ["year", "month", "day", "hour", "minute", "second"] {
        set(part, "numeric")?;
    }
    let intl = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("Intl")).ok()?;
    let ctor: js_sys::Function = js_sys::Reflect::get(&intl, &JsValue::from_str("DateTimeFormat"))
        .ok()?
        .dyn_into()
        .ok()?;
    let locales = js_sys::Array::of1(&JsValue::from_str("en-US"));
    js_sys::Reflect::construct(&ctor, &js_sys::Array::of2(&locales, &options))
        .ok()?
        .dyn_into()
        .ok()
}

impl ZoneSource for IntlZones {
    fn knows(&self, name: &str) -> bool {
        with_formatter(name, |_| Some(())).is_some()
    }

    fn offset_at(&self, name: &str, utc: i64) -> Option<i32> {
        with_formatter(name, |f| {
            let date = js_sys::Date::new(&JsValue::from_f64(utc as f64 * 1000.0));
            let parts = f.format_to_parts(&date);
            let mut fields = [0i64; 6];
            for part in parts.iter() {
                let kind = js_sys::Reflect::get(&part, &JsValue::from_str("type")).ok()?;
                let slot = match kind.as_string()?.as_str() {
                    "year" => 0,
                    "month" => 1,
                    "day" => 2,
                    "hour" => 3,
                    "minute" => 4,
                    "second" => 5,
                    _ => continue,
                };
                let value = js_sys::Reflect::get(&part, &JsValue::from_str("value")).ok()?;
                fields[slot] = value.as_string()?.parse().ok()?;
            }
            let [y, mo, d, h, mi, s] = fields;
            // The wall-clock time read as if it were UTC, minus the instant: the offset.
            let local = chrono::NaiveDate::from_ymd_opt(
                i32::try_from(y).ok()?,
                u32::try_from(mo).ok()?,
                u32::try_from(d).ok()?,
            )?
            .and_hms_opt(
                u32::try_from(h).ok()?,
                u32::try_from(mi).ok()?,
                u32::try_from(s).ok()?,
            )?
            .and_utc()
            .timestamp();
            i32::try_from(local - utc).ok()
        })
    }
}
