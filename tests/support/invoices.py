"""Generated WaterSmart invoice files for the tests that load many rows (workers, serve legs)."""

HEADER = ("AccountNumber,CustomerName,Address1,Address2,City,State,Zip,InvoiceDate,InvoiceDueDate,"
          "TotalAmountDue,PastDue,InvoiceNumber,InvoiceTypeID,BlockPaymentsCC,BlockPaymentsEFT,"
          "DisplayAccountNumber\r\n")


def write_invoices(path, first, rows):
    """A WaterSmart invoice file of `rows` valid invoices, accounts first .. first+rows-1."""
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write(HEADER)
        for n in range(first, first + rows):
            out.write(f'{n},"Customer {n}",{n % 900} Main St,,Fresno,CA,93701,01/15/2025,02/05/2025,'
                      f"{n % 1000}.{n % 100:02d},0.00,{n + 5_000_000},1,0,0,\r\n")
    return path
