//! Sign-in's front door: everything that reads or writes who a person is goes through
//! [`Auth`], over a small context (database, providers, token sealer, replay memory,
//! lifetimes, public URL). Pages, components and routes call its methods with the browser's
//! [`SignInSession`]; the data access behind it (`store`) is private to this module.
//!
//! - `start`: a sign-in leaves for a provider with a fresh state.
//! - `callback`: the state is checked and spent, the code traded once (WeChat's double
//!   redirect replays the first answer), and the verified identity handed to `landing`.
//! - `landing`: who is this, and where do they go (signed in, linked, profile completion).
//! - `signup`, `account`, `refresh`: the profile form and the account page's actions.
//! - `session`: the typed session and its transitions; `signed_in`: the signed-in person.
//!
//! Nothing here knows one provider from another: providers are looked up by id.

mod account;
pub mod avatar;
mod callback;
mod context;
mod devices;
pub mod fields;
mod handoff;
mod landing;
pub mod next_path;
mod operator;
pub mod pending;
mod refresh;
mod replay;
pub mod sealing;
pub mod session;
mod signed_in;
mod signup;
mod start;
pub mod states;
mod store;

pub use account::UnlinkOutcome;
pub use callback::{CallbackRequest, Landing};
pub use context::{Auth, DEFAULT_NEXT, SIGNUP_PATH, callback_url};
pub use handoff::{HandoffError, Handover, IdentityHandoff, SessionEnds, VerifiedIdentity};
pub use operator::{IdentityRecord, PeoplePage, PersonRecord, PersonSummary, set_administrator};
pub use pending::SealedTokens;
pub use refresh::RefreshError;
pub use session::{SessionError, SignInSession};
pub use signed_in::{Account, SignedIn, Unknowable};
pub use signup::{SignupError, SignupForm};
pub use start::{EmbeddedStart, StartRequest, Started};
pub use store::operators::MergeOutcome;
