//! Product reviews end to end, on SQLite and PostgreSQL: products kept by
//! a group's moderators, one review per member and product, the average
//! and the distribution exact (and changed by an edit), the sort orders,
//! "helpful" votes under the trust rules; the refusals; and the pages
//! (forms with CSRF, the bars, the JSON-LD).

use guildhall_e2e::browser::{Browser, json_ld};
use guildhall_e2e::steps::kind_group;
use guildhall_e2e::{Api, TestServer};
use serde_json::{Value, json};

async fn product(api: &Api, id: i64) -> Value {
    api.get(&format!("/products/{id}")).await.expect(200)
}

async fn review(api: &Api, product: i64, title: &str, rating: Value) -> i64 {
    api.post(
        &format!("/products/{product}/reviews"),
        json!({"title": title, "body": format!("{title}, in detail."), "rating": rating}),
    )
    .await
    .expect(201)["id"]
        .as_i64()
        .unwrap()
}

async fn order(api: &Api, product: i64, sort: &str) -> Vec<i64> {
    let list = api
        .get(&format!("/products/{product}/reviews?sort={sort}"))
        .await
        .expect(200);
    list["threads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_i64().unwrap())
        .collect()
}

async fn a_product_and_its_reviews(server: &TestServer) {
    let boss = server.api().register("boss").await;
    let mo = server.api().register("mo").await;
    let ann = server.api().register("ann").await;
    let bob = server.api().register("bob").await;
    let cat = server.api().register("cat").await;
    kind_group(&boss, "printers", "Printers", "reviews").await;
    boss.post("/groups/printers/moderators", json!({"username": "mo"}))
        .await
        .expect(200);

    // Products are the moderators' to add.
    let detail = ann
        .post("/groups/printers/products", json!({"name": "Acme P-100"}))
        .await
        .expect_error(403, "forbidden");
    assert!(detail.contains("moderators"), "{detail}");
    let p = mo
        .post(
            "/groups/printers/products",
            json!({"name": "Acme P-100", "description": "A *laser* printer.",
                   "image_url": "https://acme.example/p100.png", "link_url": "https://acme.example/p100"}),
        )
        .await
        .expect(201);
    let p100 = p["id"].as_i64().unwrap();
    assert_eq!(p["review_count"], 0);
    assert!(p["average_rating"].is_null());
    let other = mo
        .post("/groups/printers/products", json!({"name": "Acme P-200"}))
        .await
        .expect(201)["id"]
        .as_i64()
        .unwrap();
    let detail = mo
        .post(
            "/groups/printers/products",
            json!({"name": "Bad", "image_url": "javascript:alert(1)"}),
        )
        .await
        .expect_error(422, "invalid");
    assert!(detail.contains("image_url"), "{detail}");
    // A plain thread is no review here.
    ann.post(
        "/groups/printers/threads",
        json!({"title": "Hi", "body": "Hello."}),
    )
    .await
    .expect_error(422, "invalid");

    // Reviews: the average and the distribution are exact.
    let by_ann = review(&ann, p100, "Great", json!(5)).await;
    let by_bob = review(&bob, p100, "Noisy", json!(2)).await;
    let by_cat = review(&cat, p100, "Fine", json!(4)).await;
    let p = product(&ann, p100).await;
    assert_eq!(p["review_count"], 3);
    assert_eq!(p["average_rating"], 3.7); // 11 / 3
    assert_eq!(p["distribution"], json!([0, 1, 0, 1, 1]));
    let listed = ann.get("/groups/printers/products").await.expect(200);
    let names: Vec<&str> = listed["products"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Acme P-100", "Acme P-200"]);
    assert_eq!(listed["products"][0]["average_rating"], 3.7);
    let t = ann.get(&format!("/threads/{by_ann}")).await.expect(200);
    assert_eq!(t["review"], json!({"product_id": p100, "rating": 5}));

    // One review per member and product: a second is a 409, nothing stored.
    let detail = ann
        .post(
            &format!("/products/{p100}/reviews"),
            json!({"title": "Again", "body": "Still great.", "rating": 5}),
        )
        .await
        .expect_error(409, "conflict");
    assert!(detail.contains("already reviewed"), "{detail}");
    assert_eq!(product(&ann, p100).await["review_count"], 3);
    // Another product is another review.
    review(&ann, other, "Also fine", json!(3)).await;

    // Editing the stars changes the average.
    let t = bob
        .patch(&format!("/threads/{by_bob}"), json!({"rating": 3}))
        .await
        .expect(200);
    assert_eq!(t["review"]["rating"], 3);
    let p = product(&ann, p100).await;
    assert_eq!(p["average_rating"], 4.0);
    assert_eq!(p["distribution"], json!([0, 0, 1, 1, 1]));
    // Only the author edits a review.
    ann.patch(&format!("/threads/{by_bob}"), json!({"rating": 1}))
        .await
        .expect_error(403, "forbidden");

    // Orders: helpful (votes), newest, highest, lowest.
    ann.put(&format!("/threads/{by_cat}/vote"), json!({"value": 1}))
        .await
        .expect(200);
    bob.put(&format!("/threads/{by_cat}/vote"), json!({"value": 1}))
        .await
        .expect(200);
    cat.put(&format!("/threads/{by_bob}/vote"), json!({"value": 1}))
        .await
        .expect(200);
    assert_eq!(
        order(&ann, p100, "helpful").await,
        vec![by_cat, by_bob, by_ann]
    );
    assert_eq!(order(&ann, p100, "new").await, vec![by_cat, by_bob, by_ann]);
    assert_eq!(
        order(&ann, p100, "high").await,
        vec![by_ann, by_cat, by_bob]
    );
    assert_eq!(order(&ann, p100, "low").await, vec![by_bob, by_cat, by_ann]);
    ann.get(&format!("/products/{p100}/reviews?sort=best"))
        .await
        .expect_error(422, "invalid");

    // Bad ratings: 0, 6, 3.5, "4" — each a 422 naming the rule.
    let dan = server.api().register("dan").await;
    for bad in [json!(0), json!(6), json!(3.5), json!("4")] {
        let detail = dan
            .post(
                &format!("/products/{p100}/reviews"),
                json!({"title": "Meh", "body": "Meh.", "rating": bad}),
            )
            .await
            .expect_error(422, "invalid");
        assert!(detail.contains("rating"), "{bad}: {detail}");
    }
    let detail = bob
        .patch(
            &format!("/threads/{by_bob}"),
            json!({"rating": 3.5, "title": "Changed"}),
        )
        .await
        .expect_error(422, "invalid");
    assert!(detail.contains("rating"), "{detail}");
    let t = bob.get(&format!("/threads/{by_bob}")).await.expect(200);
    assert_eq!(
        (t["title"].as_str(), t["review"]["rating"].as_i64()),
        (Some("Noisy"), Some(3))
    );
    assert_eq!(product(&ann, p100).await["review_count"], 3);
    ann.get("/products/99999").await.expect(404);
    dan.post(
        "/products/99999/reviews",
        json!({"title": "Meh", "body": "Meh.", "rating": 3}),
    )
    .await
    .expect(404);

    // A deleted review leaves the average, and its author may review again.
    ann.delete(&format!("/threads/{by_ann}")).await.expect(204);
    let p = product(&ann, p100).await;
    assert_eq!(
        (p["review_count"].as_i64(), p["average_rating"].as_f64()),
        (Some(2), Some(3.5))
    );
    review(&ann, p100, "Second look", json!(4)).await;
}

#[tokio::test]
async fn a_product_and_its_reviews_on_sqlite() {
    let server = TestServer::sqlite().await;
    a_product_and_its_reviews(&server).await;
}

#[tokio::test]
async fn a_product_and_its_reviews_on_postgres() {
    let Some(server) = TestServer::postgres("reviews_life").await else {
        return;
    };
    a_product_and_its_reviews(&server).await;
}

#[tokio::test]
async fn helpful_votes_follow_the_trust_levels() {
    let server = TestServer::sqlite_with(|c| c.reputation = Default::default()).await;
    let boss = server.api().register("boss").await;
    kind_group(&boss, "printers", "Printers", "reviews").await;
    let p = boss
        .post("/groups/printers/products", json!({"name": "Acme"}))
        .await
        .expect(201)["id"]
        .as_i64()
        .unwrap();
    let ann = server.api().register("ann").await;
    let id = review(&ann, p, "Good", json!(4)).await;
    // A new member (TL0) may review, but not yet vote a review helpful.
    let bob = server.api().register("bob").await;
    let detail = bob
        .put(&format!("/threads/{id}/vote"), json!({"value": 1}))
        .await
        .expect_error(403, "forbidden");
    assert!(
        detail.contains("TL1") || detail.contains("trust"),
        "{detail}"
    );
}

#[tokio::test]
async fn reviews_on_the_pages() {
    reviews_on_the_pages_on(&TestServer::sqlite().await).await;
}

#[tokio::test]
async fn reviews_on_the_pages_on_postgres() {
    let Some(server) = TestServer::postgres("review_pages").await else {
        return;
    };
    reviews_on_the_pages_on(&server).await;
}

async fn reviews_on_the_pages_on(server: &TestServer) {
    let ann = Browser::new(server);
    ann.register("ann").await;
    ann.create_group("printers", "Printers", "reviews").await;
    let group = ann.get("/g/printers").await.expect(200);
    assert!(group.html().contains("No products yet."));
    assert!(group.html().contains("Add a product"));
    let to = ann
        .submit(
            "/g/printers",
            "/g/printers/products",
            &[
                ("name", "Acme P-100"),
                ("description", "A laser printer."),
                ("image_url", ""),
                ("link_url", "https://acme.example/p100"),
            ],
        )
        .await
        .redirect();
    let id: i64 = to.trim_start_matches("/p/").parse().unwrap();
    let page = ann.get(&to).await.expect(200);
    assert!(page.html().contains("No reviews yet. Be the first"));
    let to = ann
        .submit(
            &format!("/p/{id}"),
            &format!("/p/{id}/review"),
            &[
                ("rating", "4"),
                ("title", "Solid <b>"),
                ("body", "Prints fast."),
            ],
        )
        .await
        .redirect();
    assert!(to.starts_with("/t/"), "{to}");
    let page = ann.get(&format!("/p/{id}")).await.expect(200);
    let html = page.html();
    assert!(html.contains(r#"aria-label="4 out of 5 stars""#), "{html}");
    assert!(html.contains("You reviewed this product."));
    assert!(html.contains(r#"aria-label="1 review with 4 stars, 100%""#));
    let (ld, ld_text) = json_ld(html);
    assert_eq!(ld["@type"], "Product");
    assert_eq!(ld["aggregateRating"]["ratingValue"], 4.0);
    assert_eq!(ld["aggregateRating"]["reviewCount"], 1);
    assert_eq!(ld["review"][0]["reviewRating"]["ratingValue"], 4);
    assert_eq!(ld["review"][0]["name"], "Solid <b>");
    assert!(!ld_text.contains('<'));
    let group = ann.get("/g/printers").await.expect(200);
    assert!(
        group.html().contains("4.0 out of 5 · 1 review"),
        "{}",
        group.html()
    );

    // The review's edit form carries its stars; a bad one is refused.
    let review = to.clone();
    let edit = ann.get(&format!("{review}/edit")).await.expect(200);
    assert!(edit.html().contains(r#"value="4" checked"#));
    let refused = ann
        .submit(
            &format!("{review}/edit"),
            &format!("{review}/edit"),
            &[
                ("title", "Solid"),
                ("body", "Prints fast."),
                ("rating", "9"),
            ],
        )
        .await;
    assert_eq!(refused.status.as_u16(), 422);
    assert!(refused.html().contains("whole number of stars"));
    ann.submit(
        &format!("{review}/edit"),
        &format!("{review}/edit"),
        &[
            ("title", "Solid"),
            ("body", "Prints fast."),
            ("rating", "2"),
        ],
    )
    .await
    .redirect();
    let page = ann.get(&format!("/p/{id}")).await.expect(200);
    assert!(page.html().contains(r#"aria-label="2 out of 5 stars""#));
    // A second review through the form: shown again, saying why.
    let again = ann
        .submit(
            &format!("/p/{id}"),
            &format!("/p/{id}/review"),
            &[("rating", "5"), ("title", "Again"), ("body", "Again.")],
        )
        .await;
    assert_eq!(again.status.as_u16(), 409);
    assert!(
        again.html().contains("already reviewed this product"),
        "{}",
        again.html()
    );
    // A new member's review without stars keeps what they wrote.
    let bob = Browser::new(server);
    bob.register("bob").await;
    let refused = bob
        .submit(
            &format!("/p/{id}"),
            &format!("/p/{id}/review"),
            &[("title", "Kept title"), ("body", "Kept body.")],
        )
        .await;
    assert_eq!(refused.status.as_u16(), 422);
    assert!(refused.html().contains("whole number of stars"));
    assert!(refused.html().contains(r#"value="Kept title""#));
    assert!(refused.html().contains("Kept body."));
    let again = ann
        .post_raw(
            &format!("/p/{id}/review"),
            &[("rating", "5"), ("title", "Again"), ("body", "Again.")],
        )
        .await;
    assert_eq!(again.status.as_u16(), 403, "no CSRF token");
}
