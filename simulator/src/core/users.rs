//! Test users: the people who "own" the simulated WeChat, QQ and Weibo accounts.

use std::collections::{BTreeMap, HashMap};
use std::sync::RwLock;

use serde::Serialize;

/// Users beyond this are refused, so the control API cannot grow memory without bound.
const MAX_USERS: usize = 10_000;
/// Nicknames longer than this (in characters) are refused.
pub const MAX_NICKNAME_CHARS: usize = 200;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Avatar {
    /// An SVG served by the simulator at `{root}/avatar/{id}.svg`.
    Generated,
    /// No avatar: providers answer an empty URL.
    Empty,
    Url(String),
}

#[derive(Clone, Debug)]
pub struct User {
    pub id: u64,
    pub nickname: String,
    pub avatar: Avatar,
    /// WeChat's `sex`: 1 male, 2 female, 0 unknown (what WeChat answers today).
    pub sex: u8,
    pub province: String,
    pub city: String,
    pub country: String,
    /// An Official Account "snapshot page" user: token responses carry `is_snapshotuser`.
    pub snapshot: bool,
    pub wechat_open_openid: String,
    pub wechat_mp_openid: String,
    pub unionid: String,
    pub qq_openid: String,
    pub qq_unionid: String,
    pub weibo_uid: u64,
}

impl User {
    /// The avatar URL as a provider would send it ("" when the user has none).
    pub fn avatar_url(&self, root: &str) -> String {
        match &self.avatar {
            Avatar::Generated => format!("{root}/avatar/{}.svg", self.id),
            Avatar::Empty => String::new(),
            Avatar::Url(url) => url.clone(),
        }
    }

    /// A sized variant of the avatar (QQ serves several sizes).
    pub fn avatar_sized(&self, root: &str, size: u32) -> String {
        match &self.avatar {
            Avatar::Generated => format!("{root}/avatar/{}.svg?size={size}", self.id),
            _ => self.avatar_url(root),
        }
    }

    pub fn view(&self, root: &str) -> UserView {
        UserView {
            id: self.id,
            nickname: self.nickname.clone(),
            avatar: self.avatar_url(root),
            wechat_open_openid: self.wechat_open_openid.clone(),
            wechat_mp_openid: self.wechat_mp_openid.clone(),
            unionid: self.unionid.clone(),
            qq_openid: self.qq_openid.clone(),
            qq_unionid: self.qq_unionid.clone(),
            weibo_uid: self.weibo_uid.to_string(),
            snapshot: self.snapshot,
        }
    }
}

/// A user as the control API shows it.
#[derive(Serialize)]
pub struct UserView {
    pub id: u64,
    pub nickname: String,
    pub avatar: String,
    pub wechat_open_openid: String,
    pub wechat_mp_openid: String,
    pub unionid: String,
    pub qq_openid: String,
    pub qq_unionid: String,
    pub weibo_uid: String,
    pub snapshot: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum NewUserError {
    #[error("nickname must not be empty")]
    EmptyNickname,
    #[error("nickname must be at most {MAX_NICKNAME_CHARS} characters")]
    LongNickname,
    #[error("too many users")]
    TooMany,
}

/// What a new user is made from.
pub struct NewUser {
    pub nickname: String,
    pub avatar: Avatar,
    pub snapshot: bool,
}

struct Db {
    users: BTreeMap<u64, User>,
    by_weibo_uid: HashMap<u64, u64>,
    next_id: u64,
}

pub struct Users {
    db: RwLock<Db>,
}

impl Users {
    pub fn seeded() -> Self {
        let users = Self {
            db: RwLock::new(Db {
                users: BTreeMap::new(),
                by_weibo_uid: HashMap::new(),
                next_id: 1,
            }),
        };
        users.reset();
        users
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Db> {
        self.db.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Db> {
        self.db.write().unwrap_or_else(|p| p.into_inner())
    }

    /// Back to the seeded set, with the same identifiers every time.
    pub fn reset(&self) {
        let mut db = self.write();
        db.users.clear();
        db.by_weibo_uid.clear();
        db.next_id = 1;
        for seed in seed_users() {
            let id = db.next_id;
            db.next_id += 1;
            let user = build(id, id, seed);
            db.by_weibo_uid.insert(user.weibo_uid, id);
            db.users.insert(id, user);
        }
    }

    pub fn get(&self, id: u64) -> Option<User> {
        self.read().users.get(&id).cloned()
    }

    pub fn by_weibo_uid(&self, uid: u64) -> Option<User> {
        let db = self.read();
        db.by_weibo_uid
            .get(&uid)
            .and_then(|id| db.users.get(id))
            .cloned()
    }

    pub fn all(&self) -> Vec<User> {
        self.read().users.values().cloned().collect()
    }

    pub fn first_id(&self) -> Option<u64> {
        self.read().users.keys().next().copied()
    }

    pub fn create(&self, new: NewUser) -> Result<User, NewUserError> {
        let nickname = new.nickname.trim().to_owned();
        if nickname.is_empty() {
            return Err(NewUserError::EmptyNickname);
        }
        if nickname.chars().count() > MAX_NICKNAME_CHARS {
            return Err(NewUserError::LongNickname);
        }
        let mut db = self.write();
        if db.users.len() >= MAX_USERS {
            return Err(NewUserError::TooMany);
        }
        let id = db.next_id;
        db.next_id += 1;
        // Created users get random identifiers so they never collide with a
        // previous run's users in a developer's database.
        let mut user = build(id, rand::random::<u64>(), NewUser { nickname, ..new });
        while db.by_weibo_uid.contains_key(&user.weibo_uid) {
            user.weibo_uid += 1;
        }
        db.by_weibo_uid.insert(user.weibo_uid, id);
        db.users.insert(id, user.clone());
        Ok(user)
    }
}

struct Seed {
    nickname: &'static str,
    avatar: Avatar,
    sex: u8,
    place: (&'static str, &'static str, &'static str),
    snapshot: bool,
}

fn seed_users() -> Vec<NewUserSeed> {
    let seeds = [
        Seed {
            nickname: "张伟",
            avatar: Avatar::Generated,
            sex: 1,
            place: ("广东", "深圳", "中国"),
            snapshot: false,
        },
        Seed {
            nickname: "小红🌸Hóng",
            avatar: Avatar::Generated,
            sex: 2,
            place: ("", "", ""),
            snapshot: false,
        },
        Seed {
            nickname: "李雷",
            avatar: Avatar::Empty,
            sex: 0,
            place: ("", "", ""),
            snapshot: false,
        },
        Seed {
            nickname: "一个名字非常非常长的测试用户，用来检查页面和数据库字段能否正确处理超长的微信昵称😀😀😀",
            avatar: Avatar::Generated,
            sex: 0,
            place: ("", "", ""),
            snapshot: false,
        },
        Seed {
            nickname: "快照用户",
            avatar: Avatar::Generated,
            sex: 0,
            place: ("", "", ""),
            snapshot: true,
        },
    ];
    seeds
        .into_iter()
        .map(|s| NewUserSeed {
            new: NewUser {
                nickname: s.nickname.to_owned(),
                avatar: s.avatar,
                snapshot: s.snapshot,
            },
            sex: s.sex,
            place: s.place,
        })
        .collect()
}

struct NewUserSeed {
    new: NewUser,
    sex: u8,
    place: (&'static str, &'static str, &'static str),
}

impl From<NewUser> for NewUserSeed {
    fn from(new: NewUser) -> Self {
        Self {
            new,
            sex: 0,
            place: ("", "", ""),
        }
    }
}

fn build(id: u64, seed: u64, new: impl Into<NewUserSeed>) -> User {
    let NewUserSeed { new, sex, place } = new.into();
    User {
        id,
        nickname: new.nickname,
        avatar: new.avatar,
        sex,
        province: place.0.to_owned(),
        city: place.1.to_owned(),
        country: place.2.to_owned(),
        snapshot: new.snapshot,
        wechat_open_openid: format!("o{}", base64ish(seed, 1, 27)),
        wechat_mp_openid: format!("o{}", base64ish(seed, 2, 27)),
        unionid: format!("o{}", base64ish(seed, 3, 27)),
        qq_openid: hex_upper(seed, 4, 32),
        qq_unionid: format!("UID_{}", hex_upper(seed, 5, 32)),
        weibo_uid: 6_000_000_000 + (mix(seed, 6) % 1_000_000_000),
    }
}

/// splitmix64: stable pseudo-random bits from (seed, stream).
fn mix(seed: u64, stream: u64) -> u64 {
    let mut z = seed
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add(stream.wrapping_mul(0xD1B5_4A32_D192_ED03));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn chars_from(seed: u64, stream: u64, len: usize, alphabet: &[u8]) -> String {
    (0..len as u64)
        .map(|i| {
            let bits = mix(seed, stream.wrapping_mul(1000).wrapping_add(i));
            char::from(alphabet[(bits % alphabet.len() as u64) as usize])
        })
        .collect()
}

fn base64ish(seed: u64, stream: u64, len: usize) -> String {
    chars_from(
        seed,
        stream,
        len,
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
    )
}

fn hex_upper(seed: u64, stream: u64, len: usize) -> String {
    chars_from(seed, stream, len, b"0123456789ABCDEF")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_users_are_stable_and_distinct() {
        let a = Users::seeded();
        let b = Users::seeded();
        let (ua, ub) = (a.all(), b.all());
        assert!(ua.len() >= 4);
        assert_eq!(ua[0].wechat_open_openid, ub[0].wechat_open_openid);
        assert_ne!(ua[0].wechat_open_openid, ua[0].wechat_mp_openid);
        assert_ne!(ua[0].unionid, ua[1].unionid);
        assert_eq!(ua[0].wechat_open_openid.len(), 28);
        assert_eq!(ua[0].qq_openid.len(), 32);
        assert!(ua.iter().any(|u| u.avatar == Avatar::Empty));
        assert!(ua.iter().any(|u| u.nickname.chars().count() > 40));
    }

    #[test]
    fn create_validates_and_reset_forgets() {
        let users = Users::seeded();
        let before = users.all().len();
        let new = |n: &str| NewUser {
            nickname: n.to_owned(),
            avatar: Avatar::Generated,
            snapshot: false,
        };
        assert!(matches!(
            users.create(new("  ")),
            Err(NewUserError::EmptyNickname)
        ));
        let long = "长".repeat(MAX_NICKNAME_CHARS + 1);
        assert!(matches!(
            users.create(new(&long)),
            Err(NewUserError::LongNickname)
        ));
        let created = users.create(new("王芳")).expect("valid user");
        assert_eq!(created.id, before as u64 + 1);
        assert_eq!(
            users.by_weibo_uid(created.weibo_uid).map(|u| u.id),
            Some(created.id)
        );
        users.reset();
        assert_eq!(users.all().len(), before);
    }
}
