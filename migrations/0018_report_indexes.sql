-- Reports read a period's sales and refunds store-wide by business date, then each one's
-- lines and tenders; Z reports keep using (device_id, business_date). A period's totals and
-- its rows by day, staff or device are read from the sales index alone.
CREATE INDEX orders_day ON orders(business_date, store_id, staff_id, device_id, total_minor, rounding_minor, discount_minor, tax_minor);
CREATE INDEX refunds_day ON refunds(business_date);
CREATE INDEX refund_lines_refund ON refund_lines(refund_id);
CREATE INDEX refund_payments_refund ON refund_payments(refund_id);
CREATE INDEX drawer_opens_day ON drawer_opens(business_date);
