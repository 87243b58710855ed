"""Level 2 (`employees:write`): add an employee to the client's company."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import select

from portal.models import Employee
from portal.staff import EmployeeRefused, add_employee
from verifier.norway.national_id import NationalIdError, parse_norwegian_id

from ..deps import Caller, EmployeesWrite, OrdersRead, own_employee
from ..problems import Problem
from ..views import employee_view

router = APIRouter(tags=["employees"])


class NewEmployee(BaseModel):
    national_id: str = Field(max_length=20, description="Fødselsnummer or D-number")
    given_names: str = Field(max_length=200)
    surname: str = Field(max_length=200)
    email: str = Field(default="", max_length=254)


def _registered(caller: Caller, national_id: str) -> Employee | None:
    try:
        number = parse_norwegian_id(national_id).number
    except NationalIdError:
        return None
    return caller.session.scalar(
        select(Employee).where(
            Employee.company_id == caller.company.id, Employee.national_id == number
        )
    )


@router.post("/v1/employees", status_code=201, summary="Add an employee")
def create_employee(caller: EmployeesWrite, body: NewEmployee) -> JSONResponse:
    try:
        employee = add_employee(
            caller.context(),
            caller.company,
            national_id=body.national_id,
            given_names=body.given_names,
            surname=body.surname,
            email=body.email,
        )
    except EmployeeRefused as exc:
        caller.session.rollback()
        existing = _registered(caller, body.national_id)
        if existing is not None:
            # An HR system syncing its staff learns the id of the person it already added.
            raise Problem(
                409,
                exc.message[1],
                kind="employee-exists",
                detail_nb=exc.message[0],
                employee_id=existing.id,
            ) from None
        raise Problem(
            422, exc.message[1], kind="employee-refused", detail_nb=exc.message[0]
        ) from None
    return JSONResponse(
        employee_view(employee),
        status_code=201,
        headers={"Location": f"/api/v1/employees/{employee.id}"},
    )


@router.get("/v1/employees/{employee_id}", summary="One employee")
def show_employee(caller: OrdersRead, employee_id: int) -> dict[str, object]:
    return employee_view(own_employee(caller, employee_id))
