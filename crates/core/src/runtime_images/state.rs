//! States of runtime images, their versions and runtimes, and the ceiling rule for resources the
//! platform manages (spec §14, §17.3).

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// How available a resource is, from least to most restricted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Availability {
    /// Available for new deployments and upgrades.
    Active,
    /// Still usable, with a warning: the step before disabling.
    Deprecated,
    /// Blocks new use; what already runs keeps running.
    Disabled,
}

impl Availability {
    pub const ALL: [Availability; 3] = [Availability::Active, Availability::Deprecated, Availability::Disabled];

    pub fn as_str(self) -> &'static str {
        match self {
            Availability::Active => "ACTIVE",
            Availability::Deprecated => "DEPRECATED",
            Availability::Disabled => "DISABLED",
        }
    }

    /// What the state means for people choosing an image, in a phrase.
    pub fn meaning(self) -> &'static str {
        match self {
            Availability::Active => "available for new deployments",
            Availability::Deprecated => "still usable, but new deployments get a warning",
            Availability::Disabled => "blocked for new deployments; running ones are not stopped",
        }
    }
}

impl fmt::Display for Availability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Availability {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Availability::ALL
            .into_iter()
            .find(|state| state.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| format!("unknown state `{s}`: use ACTIVE, DEPRECATED or DISABLED"))
    }
}

/// A state change asked for through the API or the console.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum StateAction {
    Deprecate,
    Disable,
    /// `enable` for images and runtimes, `activate` for versions: back to ACTIVE.
    Enable,
}

impl StateAction {
    pub const ALL: [StateAction; 3] = [StateAction::Deprecate, StateAction::Disable, StateAction::Enable];

    pub fn target(self) -> Availability {
        match self {
            StateAction::Deprecate => Availability::Deprecated,
            StateAction::Disable => Availability::Disabled,
            StateAction::Enable => Availability::Active,
        }
    }

    /// The verb as the API spells it for images (`enable`); versions say `activate`.
    pub fn verb(self, for_version: bool) -> &'static str {
        match self {
            StateAction::Deprecate => "deprecate",
            StateAction::Disable => "disable",
            StateAction::Enable if for_version => "activate",
            StateAction::Enable => "enable",
        }
    }

    /// The action a URL's last segment names (`POST .../{uid}/{action}`), spelt as [`StateAction::verb`]
    /// spells it: `enable` for images and runtimes, `activate` for versions (`for_version`). Any
    /// other word names no action. The one place the API's verbs are read: the server's routes,
    /// the H2O MLOps client's `:{verb}` methods and [`FromStr`] all call it.
    pub fn from_verb(verb: &str, for_version: bool) -> Option<StateAction> {
        StateAction::ALL.into_iter().find(|action| action.verb(for_version) == verb)
    }

    /// Restricting actions must say why; re-enabling may.
    pub fn needs_reason(self) -> bool {
        self != StateAction::Enable
    }
}

/// An image's or a runtime's action as its URL spells it (`deprecate`, `disable`, `enable`); a
/// version's is read with [`StateAction::from_verb`], since it says `activate`.
impl FromStr for StateAction {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        StateAction::from_verb(s, false).ok_or_else(|| format!("unknown action `{s}`: use deprecate, disable or enable"))
    }
}

/// The state a resource has: the more restricted of the platform's and the console's. API-managed
/// resources have no platform state.
pub fn effective_state(platform: Option<Availability>, console: Availability) -> Availability {
    platform.map_or(console, |platform| platform.max(console))
}

/// The effective state and the reason people see for it: the reason of whichever side set the
/// effective state (the console's when both agree, since it is the more recent decision).
pub fn effective_with_reason(
    platform: Option<(Availability, Option<String>)>,
    console: (Availability, Option<String>),
) -> (Availability, Option<String>) {
    match platform {
        Some((platform_state, platform_reason)) if platform_state > console.0 => (platform_state, platform_reason),
        _ => console,
    }
}

/// Refusal of a state change that would make a platform-managed resource more available than the
/// platform set it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CeilingRefusal {
    pub platform: Availability,
    pub requested: Availability,
}

/// The ceiling rule. The console may set a platform-managed resource to any state at least as
/// restricted as the platform's (the console's own choice is kept, and a later, laxer platform
/// state never lifts it); asking for less is refused. API-managed resources (`platform` is None)
/// may take any state.
pub fn console_state_for(platform: Option<Availability>, action: StateAction) -> Result<Availability, CeilingRefusal> {
    let requested = action.target();
    match platform {
        Some(platform) if requested < platform => Err(CeilingRefusal { platform, requested }),
        _ => Ok(requested),
    }
}

impl CeilingRefusal {
    /// The refusal in words: what the platform set, why the request can't go past it, and who can
    /// lift it. `subject` names the resource (`image h2o-scorer`, `version v1.2.0 of h2o-scorer`);
    /// `config_path` is where in the bootstrap file its state is set.
    pub fn explain(&self, subject: &str, config_path: &str) -> String {
        format!(
            "The platform sets {subject} to {platform} in its bootstrap configuration, and the console can't \
             make it more available than that: this would make it {requested}. The console can only restrict \
             it further. To lift the ceiling, an operator changes `state` at {config_path} in the bootstrap \
             file and restarts Wavehub.",
            platform = self.platform,
            requested = self.requested,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Availability::*;
    use StateAction::*;

    /// Every pair of platform state and requested action (spec §17.3), plus API-managed resources.
    #[test]
    fn ceiling_rule_decision_table() {
        let refused = |platform| Err(CeilingRefusal { platform, requested: Active });
        let table: Vec<(Option<Availability>, StateAction, Result<Availability, CeilingRefusal>)> = vec![
            (None, Deprecate, Ok(Deprecated)),
            (None, Disable, Ok(Disabled)),
            (None, Enable, Ok(Active)),
            (Some(Active), Deprecate, Ok(Deprecated)),
            (Some(Active), Disable, Ok(Disabled)),
            (Some(Active), Enable, Ok(Active)),
            (Some(Deprecated), Deprecate, Ok(Deprecated)),
            (Some(Deprecated), Disable, Ok(Disabled)),
            (Some(Deprecated), Enable, refused(Deprecated)),
            (Some(Disabled), Deprecate, Err(CeilingRefusal { platform: Disabled, requested: Deprecated })),
            (Some(Disabled), Disable, Ok(Disabled)),
            (Some(Disabled), Enable, refused(Disabled)),
        ];
        for (platform, action, expected) in table {
            assert_eq!(console_state_for(platform, action), expected, "{platform:?} {action:?}");
        }
    }

    /// Images and runtimes re-enable with `enable`, versions with `activate`; each spelling names
    /// only its own kind's action, and the serde names are the image spelling.
    #[test]
    fn a_url_verb_names_one_action_in_its_kinds_spelling() {
        for action in StateAction::ALL {
            assert_eq!(StateAction::from_verb(action.verb(false), false), Some(action));
            assert_eq!(StateAction::from_verb(action.verb(true), true), Some(action));
            assert_eq!(action.verb(false).parse::<StateAction>(), Ok(action));
            assert_eq!(serde_json::to_value(action).unwrap(), action.verb(false));
        }
        assert_eq!(StateAction::from_verb("activate", false), None);
        assert_eq!(StateAction::from_verb("enable", true), None);
        for other in ["", "history", "versions", "Deprecate", "deprecate ", "activate"] {
            assert!(other.parse::<StateAction>().is_err(), "{other:?}");
        }
    }

    #[test]
    fn effective_state_is_the_more_restricted() {
        for platform in Availability::ALL {
            for console in Availability::ALL {
                let effective = effective_state(Some(platform), console);
                assert!(effective >= platform && effective >= console);
                assert!(effective == platform || effective == console);
            }
            assert_eq!(effective_state(None, platform), platform);
        }
        // A laxer platform state later does not lift a console restriction.
        assert_eq!(effective_state(Some(Active), Disabled), Disabled);
    }

    #[test]
    fn the_reason_shown_is_the_deciding_sides() {
        let platform = |state, reason: &str| Some((state, Some(reason.to_owned())));
        let console = |state, reason: &str| (state, Some(reason.to_owned()));
        assert_eq!(effective_with_reason(platform(Disabled, "p"), console(Deprecated, "c")), (Disabled, Some("p".into())));
        assert_eq!(effective_with_reason(platform(Deprecated, "p"), console(Disabled, "c")), (Disabled, Some("c".into())));
        assert_eq!(effective_with_reason(platform(Disabled, "p"), console(Disabled, "c")), (Disabled, Some("c".into())));
        assert_eq!(effective_with_reason(None, console(Active, "c")), (Active, Some("c".into())));
    }

    #[test]
    fn refusals_say_who_can_lift_them() {
        let text = CeilingRefusal { platform: Disabled, requested: Active }
            .explain("image `scorer`", "config.deployer.composition.runtimeImages.scorer");
        assert!(text.contains("sets image `scorer` to DISABLED"), "{text}");
        assert!(text.contains("make it ACTIVE"), "{text}");
        assert!(text.contains("an operator changes `state` at config.deployer.composition.runtimeImages.scorer"), "{text}");
    }

    #[test]
    fn states_parse_from_any_case() {
        assert_eq!("deprecated".parse::<Availability>(), Ok(Deprecated));
        assert!("gone".parse::<Availability>().is_err());
        assert_eq!(serde_json::to_string(&Disabled).unwrap(), "\"DISABLED\"");
        assert_eq!(Enable.verb(true), "activate");
        assert_eq!(Enable.verb(false), "enable");
    }
}
