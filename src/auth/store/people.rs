//! Finding people for the operator console: by username, display name, id or sign-in method.

use sea_orm::sea_query::{Expr, Func, Query};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

use crate::entities::{identity, identity_app_openid, user};

/// A page of accounts matching `text` (in the username or display name, or the id) that have
/// a method at `method` when given, newest first; and how many match in all.
pub async fn search(
    db: &DatabaseConnection,
    text: &str,
    method: Option<&str>,
    page: u64,
    per_page: u64,
) -> Result<(Vec<user::Model>, u64), DbErr> {
    let mut condition = Condition::all();
    let text = text.trim();
    if !text.is_empty() {
        let pattern = format!("%{}%", escape_like(&text.to_lowercase()));
        let mut any = Condition::any()
            .add(
                Expr::expr(Func::lower(Expr::col(user::Column::Username)))
                    .like(sea_orm::sea_query::LikeExpr::new(&pattern).escape('\\')),
            )
            .add(
                Expr::expr(Func::lower(Expr::col(user::Column::DisplayName)))
                    .like(sea_orm::sea_query::LikeExpr::new(&pattern).escape('\\')),
            );
        if let Ok(id) = text.trim_start_matches('#').parse::<i64>() {
            any = any.add(user::Column::Id.eq(id));
        }
        condition = condition.add(any);
    }
    if let Some(method) = method {
        condition = condition.add(
            user::Column::Id.in_subquery(
                Query::select()
                    .column(identity::Column::UserId)
                    .from(identity::Entity)
                    .and_where(identity::Column::Provider.eq(method))
                    .to_owned(),
            ),
        );
    }
    let query = user::Entity::find().filter(condition);
    let total = query.clone().count(db).await?;
    let rows = query
        .order_by_desc(user::Column::Id)
        .offset(page * per_page)
        .limit(per_page)
        .all(db)
        .await?;
    Ok((rows, total))
}

/// `%`, `_` and the escape itself, taken literally in a LIKE pattern.
fn escape_like(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// The providers each of `users` can sign in with.
pub async fn methods_of(
    db: &DatabaseConnection,
    users: &[i64],
) -> Result<Vec<(i64, String)>, DbErr> {
    Ok(identity::Entity::find()
        .filter(identity::Column::UserId.is_in(users.iter().copied()))
        .order_by_asc(identity::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|i| (i.user_id, i.provider))
        .collect())
}

/// The app-specific openids of these identities (one per WeChat app seen).
pub async fn app_openids(
    db: &DatabaseConnection,
    identities: &[i64],
) -> Result<Vec<identity_app_openid::Model>, DbErr> {
    identity_app_openid::Entity::find()
        .filter(identity_app_openid::Column::IdentityId.is_in(identities.iter().copied()))
        .order_by_asc(identity_app_openid::Column::Id)
        .all(db)
        .await
}

#[cfg(test)]
mod tests {
    #[test]
    fn like_wildcards_are_taken_literally() {
        assert_eq!(super::escape_like("50%_a\\b"), "50\\%\\_a\\\\b");
    }
}
