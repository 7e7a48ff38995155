//! The demo store's catalog, stock and customers: a café and grocery corner shop in EUR,
//! with 19 % and 7 % VAT, EAN-13 barcodes, variants, services, batches near their expiry
//! date, a back room, a few items running low, and customers (one of them twice).

use kassa_domain::catalog::{ProductKind, TaxRate, gtin_check_digit};
use kassa_store::catalog::stock::{self, Receipt};
use kassa_store::catalog::{self, AuditMode, ProductData};
use kassa_store::customers::{self, Address, CustomerData};
use kassa_store::{Result, Store};

/// A valid EAN-13 from its first twelve digits.
fn ean(body: &str) -> String {
    let digits: Vec<u8> = body.bytes().map(|b| b - b'0').collect();
    format!("{body}{}", gtin_check_digit(&digits))
}

struct Item {
    sku: &'static str,
    name: &'static str,
    category: &'static str,
    price: i64,
    cost: Option<i64>,
    reduced: bool,
    ean: Option<&'static str>,
    /// None: not stock-tracked (made to order).
    stock: Option<i64>,
}

// A table row in one line reads better than a struct literal per item.
#[allow(clippy::too_many_arguments)]
const fn item(
    sku: &'static str,
    name: &'static str,
    category: &'static str,
    price: i64,
    cost: i64,
    reduced: bool,
    ean: &'static str,
    stock: i64,
) -> Item {
    Item {
        sku,
        name,
        category,
        price,
        cost: Some(cost),
        reduced,
        ean: Some(ean),
        stock: Some(stock),
    }
}

const fn made_to_order(sku: &'static str, name: &'static str, price: i64, cost: i64) -> Item {
    Item {
        sku,
        name,
        category: "Coffee bar",
        price,
        cost: Some(cost),
        reduced: false,
        ean: None,
        stock: None,
    }
}

const ITEMS: &[Item] = &[
    made_to_order("BAR-ESP", "Espresso", 220, 35),
    made_to_order("BAR-CAP", "Cappuccino", 340, 60),
    made_to_order("BAR-CRE", "Café Crema", 280, 40),
    made_to_order("BAR-LAT", "Latte macchiato", 360, 70),
    item(
        "COF-BEANS-1K",
        "Café Crema beans 1 kg",
        "Coffee bar > Beans",
        1690,
        980,
        true,
        "400617200015",
        12,
    ),
    item(
        "COF-ESP-250",
        "Espresso beans 250 g",
        "Coffee bar > Beans",
        690,
        380,
        true,
        "400617200022",
        9,
    ),
    item(
        "DRK-WAT-05",
        "Mineral water still 0.5 l",
        "Drinks > Soft drinks",
        99,
        31,
        false,
        "400213300011",
        48,
    ),
    item(
        "DRK-COLA-033",
        "Cola 0.33 l",
        "Drinks > Soft drinks",
        150,
        62,
        false,
        "400213300028",
        36,
    ),
    item(
        "DRK-GIN-033",
        "Ginger lemonade 0.33 l",
        "Drinks > Soft drinks",
        190,
        80,
        false,
        "400213300035",
        4,
    ),
    item(
        "DRK-APL-1L",
        "Apple juice 1 l",
        "Drinks > Juices",
        249,
        110,
        false,
        "400213300042",
        18,
    ),
    item(
        "DRK-ORA-1L",
        "Orange juice 1 l",
        "Drinks > Juices",
        279,
        130,
        false,
        "400213300059",
        11,
    ),
    item(
        "BAK-CROI",
        "Butter croissant",
        "Bakery",
        140,
        45,
        true,
        "200000000010",
        24,
    ),
    item(
        "BAK-PRETZ",
        "Pretzel",
        "Bakery",
        90,
        28,
        true,
        "200000000027",
        20,
    ),
    item(
        "BAK-SOUR-750",
        "Sourdough bread 750 g",
        "Bakery",
        420,
        160,
        true,
        "200000000034",
        6,
    ),
    item(
        "DAI-OAT-1L",
        "Oat milk 1 l",
        "Dairy & eggs",
        229,
        105,
        true,
        "400638133393",
        0,
    ),
    item(
        "DAI-MILK-1L",
        "Whole milk 1 l",
        "Dairy & eggs",
        129,
        72,
        true,
        "400500100016",
        0,
    ),
    item(
        "DAI-YOG-500",
        "Greek yoghurt 500 g",
        "Dairy & eggs",
        279,
        140,
        true,
        "400500100023",
        0,
    ),
    item(
        "DAI-EGG-6",
        "Free-range eggs, 6",
        "Dairy & eggs",
        299,
        170,
        true,
        "400500100030",
        15,
    ),
    item(
        "DAI-CHE-200",
        "Mountain cheese 200 g",
        "Dairy & eggs",
        399,
        210,
        true,
        "400500100047",
        9,
    ),
    item(
        "PAN-MUS-750",
        "Müsli crunchy 750 g",
        "Pantry > Breakfast",
        449,
        220,
        true,
        "400330500011",
        14,
    ),
    item(
        "PAN-OATS-500",
        "Porridge oats 500 g",
        "Pantry > Breakfast",
        179,
        70,
        true,
        "400330500028",
        22,
    ),
    item(
        "PAN-HON-500",
        "Wildflower honey 500 g",
        "Pantry > Spreads",
        690,
        390,
        true,
        "400330500035",
        8,
    ),
    item(
        "PAN-JAM-340",
        "Strawberry jam 340 g",
        "Pantry > Spreads",
        329,
        150,
        true,
        "400330500042",
        10,
    ),
    item(
        "PAN-MAR-250",
        "Crème de marrons 250 g",
        "Pantry > Spreads",
        480,
        260,
        true,
        "400330500059",
        5,
    ),
    item(
        "PAN-SPA-500",
        "Spaghetti 500 g",
        "Pantry > Pasta & rice",
        149,
        55,
        true,
        "400330500066",
        40,
    ),
    item(
        "PAN-RIS-1K",
        "Risotto rice 1 kg",
        "Pantry > Pasta & rice",
        399,
        190,
        true,
        "400330500073",
        12,
    ),
    item(
        "SNK-CHOC-70",
        "Dark chocolate 70 % 100 g",
        "Snacks & sweets",
        249,
        110,
        true,
        "400740200018",
        25,
    ),
    item(
        "SNK-ALM-150",
        "Salted almonds 150 g",
        "Snacks & sweets",
        349,
        180,
        true,
        "400740200025",
        2,
    ),
    item(
        "SNK-BIS-200",
        "Oat biscuits 200 g",
        "Snacks & sweets",
        219,
        90,
        true,
        "400740200032",
        16,
    ),
    item(
        "SNK-CRI-125",
        "Sea-salt crisps 125 g",
        "Snacks & sweets",
        199,
        85,
        true,
        "400740200049",
        20,
    ),
    item(
        "FRU-BAN",
        "Banana",
        "Fruit & veg",
        35,
        14,
        true,
        "200000000041",
        60,
    ),
    item(
        "FRU-APL",
        "Apple Elstar",
        "Fruit & veg",
        55,
        22,
        true,
        "200000000058",
        45,
    ),
    item(
        "VEG-TOM-250",
        "Cherry tomatoes 250 g",
        "Fruit & veg",
        249,
        120,
        true,
        "400860100012",
        12,
    ),
    item(
        "HOU-WRAP-3",
        "Beeswax wraps, 3",
        "Household",
        1290,
        640,
        false,
        "400910300017",
        6,
    ),
    item(
        "HOU-SOAP-500",
        "Dish soap 500 ml",
        "Household",
        295,
        120,
        false,
        "400910300024",
        9,
    ),
    item(
        "MER-TOTE",
        "Corner Shop tote bag",
        "Merchandise",
        490,
        180,
        false,
        "400990000011",
        20,
    ),
];

const SERVICES: &[(&str, &str, i64)] = &[
    ("SRV-GIFT", "Gift wrapping", 200),
    ("SRV-GRIND", "Coffee grinding", 100),
    ("SRV-DELIV", "Local delivery", 500),
];

fn address(kind: &str, line1: &str, postal_code: &str, city: &str, primary: bool) -> Address {
    Address {
        kind: kind.into(),
        line1: line1.into(),
        line2: String::new(),
        postal_code: postal_code.into(),
        city: city.into(),
        country: "DE".into(),
        is_primary: primary,
    }
}

/// Fills a new demo store. Runs in one transaction: all of it or none.
/// `today` is the real date: batches' use-by dates are counted from it.
pub(crate) fn seed(
    store: &mut Store,
    today: chrono::NaiveDate,
    store_id: &str,
    admin_id: &str,
) -> Result<()> {
    let in_days = |d: i64| {
        (today + chrono::Duration::days(d))
            .format("%Y-%m-%d")
            .to_string()
    };
    store.write(|tx| {
        let standard = catalog::create_tax_class(
            tx,
            store_id,
            admin_id,
            "Standard 19%",
            TaxRate::new(1900, true)?,
        )?;
        let reduced = catalog::create_tax_class(
            tx,
            store_id,
            admin_id,
            "Reduced 7%",
            TaxRate::new(700, true)?,
        )?;
        let back = stock::create_location(tx, store_id, admin_id, "Back room")?;
        let mut ids = std::collections::HashMap::new();
        for it in ITEMS {
            let mut d = ProductData::new(it.sku, it.name, it.price);
            d.cost_minor = it.cost;
            d.tax_class_id = Some(if it.reduced {
                reduced.clone()
            } else {
                standard.clone()
            });
            d.category_id = catalog::ensure_category_path(tx, store_id, admin_id, it.category)?;
            d.barcodes = it.ean.map(ean).into_iter().collect();
            d.stock_tracked = it.stock.is_some();
            let p = catalog::create(tx, store_id, admin_id, &d, AuditMode::PerProduct)?;
            if let Some(qty) = it.stock.filter(|q| *q > 0) {
                stock::receive(
                    tx,
                    store_id,
                    admin_id,
                    &Receipt {
                        product_id: p.id.clone(),
                        qty,
                        unit_cost_minor: it.cost,
                        note: Some("Opening stock".into()),
                        ..Default::default()
                    },
                )?;
            }
            ids.insert(it.sku, p.id);
        }
        // Dairy comes in dated batches: one nearly due, one past its date, fresh ones behind.
        for (sku, code, days, qty) in [
            ("DAI-OAT-1L", "OAT-2611A", 3, 10),
            ("DAI-OAT-1L", "OAT-2612B", 24, 20),
            ("DAI-MILK-1L", "MLK-2611", 2, 3),
            ("DAI-YOG-500", "YOG-2611", -1, 2),
            ("DAI-YOG-500", "YOG-2612", 16, 8),
        ] {
            let id = ids.get(sku).cloned().unwrap_or_default();
            let cost = ITEMS.iter().find(|i| i.sku == sku).and_then(|i| i.cost);
            stock::receive(
                tx,
                store_id,
                admin_id,
                &Receipt {
                    product_id: id,
                    qty,
                    batch_code: Some(code.into()),
                    expires_on: Some(in_days(days)),
                    unit_cost_minor: cost,
                    ..Default::default()
                },
            )?;
        }
        // Bulk goods wait in the back room.
        for (sku, qty) in [("PAN-SPA-500", 60), ("DRK-WAT-05", 96), ("COF-BEANS-1K", 8)] {
            let id = ids.get(sku).cloned().unwrap_or_default();
            stock::receive(
                tx,
                store_id,
                admin_id,
                &Receipt {
                    product_id: id,
                    qty,
                    location_id: Some(back.clone()),
                    note: Some("Opening stock".into()),
                    ..Default::default()
                },
            )?;
        }
        // A T-shirt in three sizes: one product, three variants with their own SKU and stock.
        let shirt_category = catalog::ensure_category_path(tx, store_id, admin_id, "Merchandise")?;
        let mut shirt = ProductData::new("MER-TEE", "Corner Shop T-shirt", 1990);
        shirt.cost_minor = Some(850);
        shirt.tax_class_id = Some(standard.clone());
        shirt.category_id = shirt_category.clone();
        let shirt = catalog::create(tx, store_id, admin_id, &shirt, AuditMode::PerProduct)?;
        for (size, body, qty) in [
            ("S", "400990000028", 4),
            ("M", "400990000035", 6),
            ("L", "400990000042", 1),
        ] {
            let mut v = ProductData::new(&format!("MER-TEE-{size}"), "Corner Shop T-shirt", 1990);
            v.cost_minor = Some(850);
            v.tax_class_id = Some(standard.clone());
            v.category_id = shirt_category.clone();
            v.parent_id = Some(shirt.id.clone());
            v.variant = format!("Size {size}");
            v.barcodes = vec![ean(body)];
            let p = catalog::create(tx, store_id, admin_id, &v, AuditMode::PerProduct)?;
            stock::receive(
                tx,
                store_id,
                admin_id,
                &Receipt {
                    product_id: p.id,
                    qty,
                    unit_cost_minor: Some(850),
                    ..Default::default()
                },
            )?;
        }
        let services = catalog::ensure_category_path(tx, store_id, admin_id, "Services")?;
        for (sku, name, price) in SERVICES {
            let mut d = ProductData::new(sku, name, *price);
            d.kind = ProductKind::Service;
            d.tax_class_id = Some(standard.clone());
            d.category_id = services.clone();
            catalog::create(tx, store_id, admin_id, &d, AuditMode::PerProduct)?;
        }

        let people = [
            CustomerData {
                name: "Jörg Müller".into(),
                email: Some("joerg.mueller@example.com".into()),
                phone: Some("+49 30 1234567".into()),
                notes: "Buys beans every Friday; prefers them ground for a moka pot.".into(),
                marketing_consent: true,
                tags: vec!["regular".into(), "coffee".into()],
                addresses: vec![
                    address("billing", "Kastanienallee 12", "10435", "Berlin", true),
                    address("shipping", "Oderberger Str. 3", "10435", "Berlin", false),
                ],
            },
            CustomerData {
                name: "Joerg Mueller".into(),
                phone: Some("+49 176 5550123".into()),
                notes: "Left his mobile number for delivery.".into(),
                ..Default::default()
            },
            CustomerData {
                name: "Anna Schmidt".into(),
                email: Some("anna.schmidt@example.org".into()),
                tags: vec!["newsletter".into()],
                marketing_consent: true,
                ..Default::default()
            },
            CustomerData {
                name: "Café Sonnenschein GmbH".into(),
                email: Some("einkauf@cafe-sonnenschein.example".into()),
                phone: Some("+49 30 7654321".into()),
                tags: vec!["b2b".into()],
                addresses: vec![address(
                    "billing",
                    "Schönhauser Allee 80",
                    "10439",
                    "Berlin",
                    true,
                )],
                ..Default::default()
            },
            CustomerData {
                name: "Tomás García".into(),
                email: Some("tomas.garcia@example.net".into()),
                ..Default::default()
            },
            CustomerData {
                name: "Lena Weber".into(),
                phone: Some("0176 98765432".into()),
                tags: vec!["delivery".into()],
                addresses: vec![address(
                    "shipping",
                    "Zionskirchstr. 40",
                    "10119",
                    "Berlin",
                    true,
                )],
                ..Default::default()
            },
        ];
        for c in &people {
            customers::create(tx, store_id, admin_id, c, AuditMode::PerProduct)?;
        }
        Ok(())
    })
}
