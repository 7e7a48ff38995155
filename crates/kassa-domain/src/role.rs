//! Roles and what each may do. The one table every permission check reads.

use crate::error::{Error, Result};
use std::fmt;

/// A staff member's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    Cashier,
    Agent,
    Manager,
    Admin,
}

impl Role {
    /// Every role, lowest to highest.
    pub const ALL: [Role; 4] = [Role::Cashier, Role::Agent, Role::Manager, Role::Admin];

    /// The role's name on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Cashier => "cashier",
            Role::Agent => "agent",
            Role::Manager => "manager",
            Role::Admin => "admin",
        }
    }

    /// Parses `cashier`, `agent`, `manager` or `admin`.
    pub fn parse(s: &str) -> Result<Role> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim().to_ascii_lowercase())
            .ok_or_else(|| {
                Error::invalid_input(format!(
                    "'{s}' is not a role (cashier, agent, manager or admin)"
                ))
            })
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Something a person may or may not do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    Sell,
    Refund,
    RefundAboveLimit,
    Void,
    DiscountAboveLimit,
    OpenCloseDrawer,
    ManageCustomers,
    EditCatalog,
    EditPrices,
    ViewCostPrices,
    AdjustStock,
    Book,
    CancelBooking,
    ViewReports,
    ManageStaff,
    ManageDevices,
    Settings,
    ViewAudit,
    /// Exporting or erasing everything held about a customer on their request.
    CustomerData,
    /// Deciding the clashes the merge found between devices (the conflict inbox).
    ResolveConflicts,
}

impl Permission {
    /// Every permission, in table order.
    pub const ALL: [Permission; 20] = [
        Permission::Sell,
        Permission::Refund,
        Permission::RefundAboveLimit,
        Permission::Void,
        Permission::DiscountAboveLimit,
        Permission::OpenCloseDrawer,
        Permission::ManageCustomers,
        Permission::EditCatalog,
        Permission::EditPrices,
        Permission::ViewCostPrices,
        Permission::AdjustStock,
        Permission::Book,
        Permission::CancelBooking,
        Permission::ViewReports,
        Permission::ManageStaff,
        Permission::ManageDevices,
        Permission::Settings,
        Permission::ViewAudit,
        Permission::CustomerData,
        Permission::ResolveConflicts,
    ];

    /// The permission's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Permission::Sell => "sell",
            Permission::Refund => "refund",
            Permission::RefundAboveLimit => "refund_above_limit",
            Permission::Void => "void",
            Permission::DiscountAboveLimit => "discount_above_limit",
            Permission::OpenCloseDrawer => "open_close_drawer",
            Permission::ManageCustomers => "manage_customers",
            Permission::EditCatalog => "edit_catalog",
            Permission::EditPrices => "edit_prices",
            Permission::ViewCostPrices => "view_cost_prices",
            Permission::AdjustStock => "adjust_stock",
            Permission::Book => "book",
            Permission::CancelBooking => "cancel_booking",
            Permission::ViewReports => "view_reports",
            Permission::ManageStaff => "manage_staff",
            Permission::ManageDevices => "manage_devices",
            Permission::Settings => "settings",
            Permission::ViewAudit => "view_audit",
            Permission::CustomerData => "customer_data",
            Permission::ResolveConflicts => "resolve_conflicts",
        }
    }

    /// What the permission covers, for the "forbidden" message.
    pub fn describe(self) -> &'static str {
        match self {
            Permission::Sell => "selling",
            Permission::Refund => "refunds",
            Permission::RefundAboveLimit => "refunds above the limit",
            Permission::Void => "voiding orders",
            Permission::DiscountAboveLimit => "discounts above the limit",
            Permission::OpenCloseDrawer => "opening and closing the cash drawer",
            Permission::ManageCustomers => "editing customers",
            Permission::EditCatalog => "editing the catalog",
            Permission::EditPrices => "changing prices",
            Permission::ViewCostPrices => "seeing cost prices",
            Permission::AdjustStock => "adjusting stock",
            Permission::Book => "booking",
            Permission::CancelBooking => "cancelling bookings",
            Permission::ViewReports => "reports",
            Permission::ManageStaff => "managing staff",
            Permission::ManageDevices => "managing devices",
            Permission::Settings => "settings",
            Permission::ViewAudit => "the audit log",
            Permission::CustomerData => "exporting or erasing a customer's data",
            Permission::ResolveConflicts => "deciding conflicts between devices",
        }
    }
}

/// The permission table: which role may do what. Read by every check.
pub fn allows(role: Role, permission: Permission) -> bool {
    use Permission::*;
    match role {
        Role::Admin => true,
        Role::Manager => !matches!(permission, ManageDevices),
        // Counter staff sell and take money; bookings are the travel agents' work.
        Role::Cashier => matches!(
            permission,
            Sell | Refund | OpenCloseDrawer | ManageCustomers
        ),
        Role::Agent => matches!(
            permission,
            Sell | Refund | ManageCustomers | Book | CancelBooking
        ),
    }
}

/// Whether someone of role `actor` (who holds `ManageStaff`) may invite, change or grant
/// the role `target`: admins manage everyone, others only roles below their own, so nobody
/// can raise anyone, themselves included, above what they are.
pub fn may_manage(actor: Role, target: Role) -> bool {
    allows(actor, Permission::ManageStaff) && (actor == Role::Admin || target < actor)
}

/// `Ok` when `actor` may manage staff of role `target`, else `forbidden` naming the rule.
pub fn require_may_manage(actor: Role, target: Role) -> Result<()> {
    require(actor, Permission::ManageStaff)?;
    if may_manage(actor, target) {
        Ok(())
    } else {
        Err(Error::forbidden(format!(
            "a {actor} may not manage or grant the role {target}; ask an admin"
        )))
    }
}

/// `Ok` when `role` may do `permission`, else a `forbidden` error saying what is missing.
pub fn require(role: Role, permission: Permission) -> Result<()> {
    if allows(role, permission) {
        Ok(())
    } else {
        Err(Error {
            permission: Some(permission.as_str()),
            ..Error::forbidden(format!(
                "a {role} may not do this: {} needs a role that allows it",
                permission.describe()
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The expected table, written out by hand from SPEC ("who uses it") so that a change
    /// to `allows` shows up here as a failing row. Columns: cashier, agent, manager, admin.
    const EXPECTED: [(Permission, [bool; 4]); 20] = [
        (Permission::Sell, [true, true, true, true]),
        (Permission::Refund, [true, true, true, true]),
        (Permission::RefundAboveLimit, [false, false, true, true]),
        (Permission::Void, [false, false, true, true]),
        (Permission::DiscountAboveLimit, [false, false, true, true]),
        (Permission::OpenCloseDrawer, [true, false, true, true]),
        (Permission::ManageCustomers, [true, true, true, true]),
        (Permission::EditCatalog, [false, false, true, true]),
        (Permission::EditPrices, [false, false, true, true]),
        (Permission::ViewCostPrices, [false, false, true, true]),
        (Permission::AdjustStock, [false, false, true, true]),
        (Permission::Book, [false, true, true, true]),
        (Permission::CancelBooking, [false, true, true, true]),
        (Permission::ViewReports, [false, false, true, true]),
        (Permission::ManageStaff, [false, false, true, true]),
        (Permission::ManageDevices, [false, false, false, true]),
        (Permission::Settings, [false, false, true, true]),
        (Permission::ViewAudit, [false, false, true, true]),
        (Permission::CustomerData, [false, false, true, true]),
        (Permission::ResolveConflicts, [false, false, true, true]),
    ];

    #[test]
    fn a_refusal_names_the_permission_so_a_screen_can_say_it_in_its_language() {
        let e = require(Role::Cashier, Permission::RefundAboveLimit).unwrap_err();
        assert_eq!(e.code, crate::ErrorCode::Forbidden);
        assert_eq!(e.permission, Some("refund_above_limit"));
        assert!(
            e.message.contains("refunds above the limit"),
            "{}",
            e.message
        );
        assert_eq!(
            require_may_manage(Role::Manager, Role::Admin)
                .unwrap_err()
                .permission,
            None
        );
    }

    #[test]
    fn every_role_and_permission_matches_the_expected_table() {
        assert_eq!(EXPECTED.len(), Permission::ALL.len());
        for (permission, row) in EXPECTED {
            for (role, want) in Role::ALL.into_iter().zip(row) {
                assert_eq!(
                    allows(role, permission),
                    want,
                    "{role} × {}",
                    permission.as_str()
                );
                assert_eq!(require(role, permission).is_ok(), want);
            }
        }
    }

    #[test]
    fn nobody_grants_a_role_at_or_above_their_own_except_admins() {
        use Role::*;
        for (actor, target, want) in [
            (Admin, Admin, true),
            (Admin, Cashier, true),
            (Manager, Cashier, true),
            (Manager, Agent, true),
            (Manager, Manager, false),
            (Manager, Admin, false),
            (Cashier, Cashier, false),
            (Agent, Cashier, false),
        ] {
            assert_eq!(may_manage(actor, target), want, "{actor} → {target}");
        }
        let err = require_may_manage(Manager, Admin).unwrap_err();
        assert_eq!(err.code, crate::ErrorCode::Forbidden);
    }

    #[test]
    fn roles_parse_from_their_names_only() {
        assert_eq!(Role::parse(" Manager ").unwrap(), Role::Manager);
        assert!(Role::parse("owner").is_err());
    }
}
