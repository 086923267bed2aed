//! Reviews between instances: a second Guildhall shows a remote product's
//! reviews with their stars (fetching the product from the group's
//! server), and its members review there; Lemmy- and Mastodon-shaped
//! followers read the stars in the Page's text; a remote member's second
//! review of a product is a 409 with nothing stored (docs/FEDERATION.md).

use guildhall_e2e::remote::{LEMMY_CAROL, Remote};
use guildhall_e2e::steps::{kind_group, until_accepted};
use guildhall_e2e::{Api, TestServer, eventually};
use serde_json::{Value, json};

/// Waits until `group` on `api`'s instance lists the product `name` with
/// `reviews` reviews (a peer stores the product just before the review
/// that names it).
async fn product_on(api: &Api, group: &str, name: &str, reviews: i64) -> Value {
    eventually(&format!("the product {name:?} is listed"), || async {
        let list = api.get(&format!("/groups/{group}/products")).await.body;
        list["products"]
            .as_array()?
            .iter()
            .find(|p| p["name"] == name && p["review_count"] == reviews)
            .cloned()
    })
    .await
}

async fn printers(server: &TestServer) -> (Api, i64) {
    let ann = server.api().register("ann").await;
    kind_group(&ann, "support", "Printers", "reviews").await;
    let p = ann
        .post(
            "/groups/support/products",
            json!({"name": "Acme P-100", "description": "A laser printer."}),
        )
        .await
        .expect(201);
    (ann, p["id"].as_i64().unwrap())
}

#[tokio::test]
async fn reviews_are_seen_and_written_from_a_second_guildhall() {
    let a = TestServer::sqlite().await;
    reviews_are_seen_and_written_from_a_second_guildhall_between(a, TestServer::sqlite().await)
        .await;
}

/// The same with the group's instance on PostgreSQL.
#[tokio::test]
async fn reviews_are_seen_and_written_from_a_second_guildhall_on_postgres() {
    let Some(a) = TestServer::postgres("review_federation").await else {
        return;
    };
    reviews_are_seen_and_written_from_a_second_guildhall_between(a, TestServer::sqlite().await)
        .await;
}

async fn reviews_are_seen_and_written_from_a_second_guildhall_between(
    a: TestServer,
    b: TestServer,
) {
    let (ann, p_a) = printers(&a).await;
    let bob = b.api().register("bob").await;
    let found = bob
        .post(
            "/groups/lookup",
            json!({"query": format!("!support@{}", a.domain())}),
        )
        .await
        .expect(200);
    assert_eq!(found["kind"], "reviews");
    let on_b = found["name"].as_str().unwrap().to_owned();
    bob.post(&format!("/groups/{on_b}/join"), json!({}))
        .await
        .expect(200);
    until_accepted(&bob, &on_b).await;

    // ann's review reaches B with its stars, and B learns the product.
    ann.post(
        &format!("/products/{p_a}/reviews"),
        json!({"title": "Solid", "body": "Prints fast.", "rating": 4}),
    )
    .await
    .expect(201);
    let p_b = product_on(&bob, &on_b, "Acme P-100", 1).await;
    assert_eq!(p_b["review_count"], 1);
    assert_eq!(p_b["average_rating"], 4.0);
    let p_b = p_b["id"].as_i64().unwrap();
    let reviews = bob
        .get(&format!("/products/{p_b}/reviews"))
        .await
        .expect(200);
    let review = &reviews["threads"][0];
    assert_eq!(review["review"]["rating"], 4);
    assert_eq!(
        review["body"], "Prints fast.",
        "the stars notice is taken off"
    );

    // bob reviews from B: A counts it.
    bob.post(
        &format!("/products/{p_b}/reviews"),
        json!({"title": "Great", "body": "Quiet too.", "rating": 5}),
    )
    .await
    .expect(201);
    let counted = eventually("bob's review reaches A", || async {
        let p = ann.get(&format!("/products/{p_a}")).await.body;
        (p["review_count"] == 2).then_some(p)
    })
    .await;
    assert_eq!(counted["average_rating"], 4.5);
    assert_eq!(counted["distribution"], json!([0, 0, 0, 1, 1]));
    // A second one from B is refused there.
    bob.post(
        &format!("/products/{p_b}/reviews"),
        json!({"title": "Again", "body": "Still great.", "rating": 5}),
    )
    .await
    .expect_error(409, "conflict");
}

#[tokio::test]
async fn followers_read_the_stars_and_a_second_review_is_refused() {
    let server = TestServer::sqlite().await;
    let (ann, product) = printers(&server).await;
    let lemmy = Remote::start().await;
    lemmy.serve_nodeinfo("lemmy");
    let follow = lemmy.fixture("lemmy_follow", &server, 0, 0);
    let (status, body) = lemmy.send(&server.url("/inbox"), &follow).await;
    assert_eq!(status, 202, "{body}");

    ann.post(
        &format!("/products/{product}/reviews"),
        json!({"title": "Solid", "body": "Prints fast.", "rating": 4}),
    )
    .await
    .expect(201);
    let announce = eventually("Lemmy gets the review", || async {
        lemmy.received_of("Announce").into_iter().find(|r| {
            r.body["object"]["type"] == "Create"
                && r.body["object"]["object"]["reviewRating"].is_object()
        })
    })
    .await;
    let page = &announce.body["object"]["object"];
    assert_eq!(page["summary"], "Review of Acme P-100: ★★★★☆ 4/5");
    assert_eq!(page["reviewRating"]["ratingValue"], 4);
    assert_eq!(page["itemReviewed"], server.url(&format!("/p/{product}")));
    let source = page["source"]["content"].as_str().unwrap();
    assert!(
        source.ends_with(&format!(
            "**★★★★☆ 4/5**, a review of [Acme P-100]({})",
            server.url(&format!("/p/{product}"))
        )),
        "{source}"
    );
    // The product is served as a schema.org Product.
    let served = server.fetch_ap(&format!("/p/{product}")).await;
    assert_eq!(served["type"], "Product");
    assert_eq!(served["audience"], server.url("/g/support"));

    // carol (Lemmy-shaped) reviews it; her second review is a 409.
    let review = |n: u32, stars: Value| {
        json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": lemmy.url(&format!("/activities/create/review-{n}")),
            "type": "Create",
            "actor": lemmy.url(LEMMY_CAROL),
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "cc": [server.url("/g/support")],
            "object": {
                "type": "Page",
                "id": lemmy.url(&format!("/post/review-{n}")),
                "attributedTo": lemmy.url(LEMMY_CAROL),
                "name": format!("Review {n}"),
                "content": "<p>Works.</p>",
                "to": [server.url("/g/support"), "https://www.w3.org/ns/activitystreams#Public"],
                "audience": server.url("/g/support"),
                "itemReviewed": server.url(&format!("/p/{product}")),
                "reviewRating": { "ratingValue": stars },
            },
        })
    };
    let (status, body) = lemmy
        .send(&server.url("/inbox"), &review(1, json!(3)))
        .await;
    assert_eq!(status, 202, "{body}");
    let (status, body) = lemmy
        .send(&server.url("/inbox"), &review(2, json!(5)))
        .await;
    assert_eq!(status, 409, "{body}");
    let (status, body) = lemmy
        .send(&server.url("/inbox"), &review(3, json!(3.5)))
        .await;
    assert_eq!(status, 422, "{body}");
    let p = ann.get(&format!("/products/{product}")).await.expect(200);
    assert_eq!(p["review_count"], 2);
    assert_eq!(p["distribution"], json!([0, 0, 1, 1, 0]));
    // A product of another group: refused, nothing stored.
    kind_group(&ann, "scanners", "Scanners", "reviews").await;
    let scanner = ann
        .post("/groups/scanners/products", json!({"name": "Acme S-1"}))
        .await
        .expect(201)["id"]
        .as_i64()
        .unwrap();
    let mut elsewhere = review(5, json!(4));
    elsewhere["object"]["itemReviewed"] = json!(server.url(&format!("/p/{scanner}")));
    let (status, body) = lemmy.send(&server.url("/inbox"), &elsewhere).await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body.to_string().contains("not one of this group's"),
        "{body}"
    );
    let s1 = ann.get(&format!("/products/{scanner}")).await.expect(200);
    assert_eq!(s1["review_count"], 0);

    // A plain post to a reviews group is no review: refused.
    let mut plain = review(4, json!(4));
    plain["object"]
        .as_object_mut()
        .unwrap()
        .remove("itemReviewed");
    let (status, body) = lemmy.send(&server.url("/inbox"), &plain).await;
    assert_eq!(status, 422, "{body}");
}
