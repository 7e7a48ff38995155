//! Customers through the API (manage_customers): search, edit, merge, CSV.

use crate::catalog::import_report;
use crate::dto::*;
use crate::{Api, ApiResult};
use kassa_domain::role::Permission;
use kassa_store::customers::csv as customers_csv;
use kassa_store::customers::{self, Address, AuditMode, Customer, CustomerData, privacy};

fn dto(c: Customer) -> CustomerDto {
    CustomerDto {
        id: c.id,
        name: c.data.name,
        email: c.data.email,
        phone: c.data.phone,
        notes: c.data.notes,
        marketing_consent: c.data.marketing_consent,
        consent_at: c.consent_at,
        tags: c.data.tags,
        addresses: c
            .data
            .addresses
            .into_iter()
            .map(|a| AddressDto {
                kind: a.kind,
                line1: a.line1,
                line2: a.line2,
                postal_code: a.postal_code,
                city: a.city,
                country: a.country,
                is_primary: a.is_primary,
            })
            .collect(),
        merged_into: c.merged_into,
        created_at: c.created_at,
        updated_at: c.updated_at,
        erased_at: c.erased_at,
    }
}

fn data(f: CustomerFields) -> CustomerData {
    CustomerData {
        name: f.name,
        email: f.email,
        phone: f.phone,
        notes: f.notes.unwrap_or_default(),
        marketing_consent: f.marketing_consent.unwrap_or(false),
        tags: f.tags.unwrap_or_default(),
        addresses: f
            .addresses
            .unwrap_or_default()
            .into_iter()
            .map(|a| Address {
                kind: a.kind,
                line1: a.line1,
                line2: a.line2,
                postal_code: a.postal_code,
                city: a.city,
                country: a.country,
                is_primary: a.is_primary,
            })
            .collect(),
    }
}

impl Api {
    /// Customers whose name, email, phone or tags start with the typed words.
    pub fn customer_search(&self, input: CustomerSearchInput) -> ApiResult<CustomerListOutput> {
        self.require(Permission::ManageCustomers)?;
        let store_id = self.store_id()?;
        let store = self.store();
        let conn = store.conn();
        let items = customers::search(
            conn,
            &store_id,
            input.query.as_deref().unwrap_or(""),
            input.limit.unwrap_or(50),
            input.offset.unwrap_or(0),
        )?;
        Ok(CustomerListOutput {
            items: items.into_iter().map(dto).collect(),
            total: customers::count(conn, &store_id)?,
        })
    }

    /// One customer.
    pub fn customer_get(&self, input: CustomerIdInput) -> ApiResult<CustomerDto> {
        self.require(Permission::ManageCustomers)?;
        let store_id = self.store_id()?;
        Ok(dto(customers::get(
            self.store().conn(),
            &store_id,
            &input.id,
        )?))
    }

    /// Adds a customer. Audited.
    pub fn customer_create(&self, input: CustomerFields) -> ApiResult<CustomerDto> {
        let me = self.require(Permission::ManageCustomers)?;
        let store_id = self.store_id()?;
        let d = data(input);
        let c = self.store().write(|tx| {
            customers::create(tx, &store_id, &me.staff_id, &d, AuditMode::PerProduct)
        })?;
        Ok(dto(c))
    }

    /// Changes a customer; only changes are written and audited.
    pub fn customer_update(&self, input: CustomerUpdateInput) -> ApiResult<CustomerDto> {
        let me = self.require(Permission::ManageCustomers)?;
        let store_id = self.store_id()?;
        let d = data(input.customer);
        let mut store = self.store();
        store.write(|tx| customers::update(tx, &store_id, &me.staff_id, &input.id, &d))?;
        Ok(dto(customers::get(store.conn(), &store_id, &input.id)?))
    }

    /// Merges a duplicate into the customer kept. Audited with both.
    pub fn customer_merge(&self, input: CustomerMergeInput) -> ApiResult<CustomerDto> {
        let me = self.require(Permission::ManageCustomers)?;
        let store_id = self.store_id()?;
        let c = self.store().write(|tx| {
            customers::merge(
                tx,
                &store_id,
                &me.staff_id,
                &input.keep_id,
                &input.remove_id,
            )
        })?;
        Ok(dto(c))
    }

    /// Checks a customer CSV and, unless it is a dry run or any row is bad, imports it whole.
    pub fn customer_import(&self, input: CsvImportInput) -> ApiResult<ImportReportDto> {
        let me = self.require(Permission::ManageCustomers)?;
        let store_id = self.store_id()?;
        let r = self.store().write(|tx| {
            customers_csv::import(tx, &store_id, &me.staff_id, &input.csv, input.dry_run)
        })?;
        Ok(import_report(r))
    }

    /// Every customer as CSV.
    pub fn customer_export(&self, _: NoInput) -> ApiResult<CsvExportOutput> {
        self.require(Permission::ManageCustomers)?;
        let store_id = self.store_id()?;
        let (csv, rows) = customers_csv::export(self.store().conn(), &store_id)?;
        Ok(CsvExportOutput { csv, rows })
    }

    /// Everything held about one customer (row, addresses, consent, merged duplicates,
    /// orders, vouchers and store credit) as `json` or `csv`; needs `customer_data`.
    pub fn customer_data_export(
        &self,
        input: CustomerDataExportInput,
    ) -> ApiResult<CustomerDataExportOutput> {
        self.require(Permission::CustomerData)?;
        let store_id = self.store_id()?;
        let format = input.format.trim().to_ascii_lowercase();
        if format != "json" && format != "csv" {
            return Err(kassa_domain::Error::invalid_input(format!(
                "'{}' is not an export format: json or csv",
                input.format
            ))
            .into());
        }
        let store = self.store();
        let now = kassa_store::ts(store.clock().now());
        let doc = privacy::export(store.conn(), &store_id, &input.id, &now)?;
        let content = if format == "json" {
            serde_json::to_string_pretty(&doc)
                .map_err(|e| kassa_domain::Error::internal(format!("encoding failed: {e}")))?
        } else {
            privacy::export_csv(&doc)?
        };
        Ok(CustomerDataExportOutput {
            filename: format!("customer-{}.{format}", input.id),
            format,
            content,
        })
    }

    /// Erases a customer's personal data on their request (and of the duplicates merged
    /// into them); orders and vouchers keep their figures without the person. Needs
    /// `customer_data`; audited; every device blanks the customer after sync.
    pub fn customer_erase(&self, input: CustomerEraseInput) -> ApiResult<CustomerDto> {
        let me = self.require(Permission::CustomerData)?;
        let store_id = self.store_id()?;
        let reason = input.reason.unwrap_or_default();
        let c = self
            .store()
            .write(|tx| privacy::erase(tx, &store_id, &me.staff_id, &input.id, &reason))?;
        Ok(dto(c))
    }

    /// Exports a customer's data (as [`Api::customer_data_export`]) and writes the file into
    /// `dir`, made if missing; the desktop app saves into its data folder's `exports`.
    pub fn customer_data_save(
        &self,
        input: CustomerDataExportInput,
        dir: &std::path::Path,
    ) -> ApiResult<crate::SavedReport> {
        let file = self.customer_data_export(input)?;
        let write_failed = |e: std::io::Error| {
            kassa_domain::Error::internal(format!(
                "could not write the export into {}: {e}",
                dir.display()
            ))
        };
        std::fs::create_dir_all(dir).map_err(write_failed)?;
        // The id comes from the caller: keep the name a plain file name regardless.
        let name = kassa_documents::plain_file_name(&file.filename);
        let path = dir.join(&name);
        std::fs::write(&path, file.content.as_bytes()).map_err(write_failed)?;
        Ok(crate::SavedReport {
            path: path.display().to_string(),
            file_name: name,
            rows: u64::try_from(file.content.lines().count()).unwrap_or(u64::MAX),
        })
    }
}
